import { z } from 'zod';

// Output shapes shared by the routes: what the OpenAPI document promises and the
// contract test (test/helpers/openApiContract.ts) holds every answer to.

/** A business date. */
export const day = z.string().meta({ format: 'date', description: 'calendar day YYYY-MM-DD' });
/** An instant accrue stored or did something. */
export const instant = z.string().meta({ format: 'date-time', description: 'ISO 8601 instant (UTC)' });
export const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/).meta({ description: 'month YYYY-MM' });
export const currency = z.string().regex(/^[A-Z]{3}$/).meta({ description: 'ISO 4217 currency code, e.g. USD' });
/** Money: integers of the currency's minor unit, never floats. */
export const amount = z.number().int().meta({ description: 'integer minor units of the currency (cents for USD, yen for JPY, fils for KWD)' });

export const problemSchema = z
  .object({
    type: z.string().meta({ description: 'urn:accrue:problem:<code>, e.g. urn:accrue:problem:validation-failed' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    errors: z
      .array(z.object({ field: z.string().meta({ description: 'the field, header or query parameter, e.g. lines.0.amount' }), message: z.string() }))
      .optional(),
    correlationId: z.string().optional().meta({ description: 'the X-Correlation-Id of the call, for support' }),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: problemSchema } } });

/** The error answers every route may give, for the OpenAPI document. */
export const readErrorResponses = {
  400: problem('invalid input; `errors` names each field'),
  401: problem('missing or invalid bearer token'),
  403: problem('the key lacks the scope this call needs'),
  500: problem('internal error; the correlation id finds it in the logs'),
} as const;
/** ...and those of calls that take a body. */
export const errorResponses = {
  ...readErrorResponses,
  413: problem('body larger than the limit (1 MiB by default)'),
  415: problem('body is not application/json'),
  422: problem('Idempotency-Key reused with a different request'),
  503: problem('a concurrent update won; retry the request'),
} as const;
export const notFound = { 404: problem('no such resource') } as const;
export const conflict = { 409: problem('impossible in the current state; nothing was written') } as const;
export const precondition = {
  412: problem('If-Match does not name the current version'),
  428: problem('If-Match is required'),
} as const;

/** Response headers, as OpenAPI header objects. */
type HeaderObjects = Record<string, { description: string; required?: boolean; schema: { type: 'string' } }>;
export const etagHeader: HeaderObjects = {
  ETag: { description: 'the resource version, e.g. "3"; send it back as If-Match', required: true, schema: { type: 'string' as const } },
};
export const locationHeader: HeaderObjects = {
  Location: { description: 'the URL of the resource', required: true, schema: { type: 'string' as const } },
};

export const idempotencyHeader = z.object({
  'idempotency-key': z
    .string()
    .max(255)
    .optional()
    .meta({ description: 'same key + same body → the first response again (status, body, ETag, Location) with Idempotent-Replayed: true' }),
});
const ifMatchDescription =
  'the version from the ETag, e.g. "3" (W/"3" and 3 are read the same way); * matches any current version';
export const ifMatchHeader = z.object({ 'if-match': z.string().optional().meta({ description: ifMatchDescription }) });
/**
 * If-Match the server requires (428 without it). Optional for the validator, so a
 * missing header reaches the handler and gets its 428 rather than a 400; the
 * document marks it required.
 */
export const requiredIfMatchHeader = z.object({
  'if-match': z.string().optional().meta({ description: `required: ${ifMatchDescription}`, param: { required: true } }),
});

export const listQuery = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(400).optional(),
};

export const json = <T extends z.ZodType>(schema: T, description: string, headers?: HeaderObjects) => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/json': { schema } },
});
