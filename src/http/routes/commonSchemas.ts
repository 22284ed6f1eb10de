import { z } from 'zod';

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    correlationId: z.string().optional(),
  })
  .meta({ id: 'Problem' });

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: problemSchema } } });

/** The error answers every route may give, for the OpenAPI document. */
export const readErrorResponses = {
  400: problem('invalid input; `errors` names each field'),
  401: problem('missing or invalid bearer token'),
  403: problem('the key lacks the scope this call needs'),
} as const;
/** ...and those of calls that take a body. */
export const errorResponses = {
  ...readErrorResponses,
  413: problem('body larger than the limit (1 MiB by default)'),
  415: problem('body is not application/json'),
  422: problem('Idempotency-Key reused with a different request'),
} as const;
export const notFound = { 404: problem('no such resource') } as const;
export const conflict = { 409: problem('impossible in the current state; nothing was written') } as const;
export const precondition = {
  412: problem('If-Match does not name the current version'),
  428: problem('If-Match is required'),
} as const;

export const idempotencyHeader = z.object({
  'idempotency-key': z.string().max(255).optional().meta({ description: 'same key + same body → the first response again' }),
});
export const ifMatchHeader = z.object({ 'if-match': z.string().optional().meta({ description: 'the version, e.g. "3"' }) });

export const listQuery = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(400).optional(),
};

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
