import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import {
  ConflictError,
  ForbiddenError,
  InvariantError,
  NotFoundError,
  PreconditionFailedError,
  UnauthorizedError,
  ValidationError,
  toError,
  type FieldIssue,
} from '../errors.ts';
import {
  IdempotencyKeyReusedError,
  PayloadTooLargeError,
  PreconditionRequiredError,
  UnsupportedMediaTypeError,
} from './httpErrors.ts';

/** RFC 9457 problem details, plus the fields that failed and the call's correlation id. */
export type Problem = {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldIssue[];
  correlationId?: string;
};

const kinds: Array<[new (...args: never[]) => Error, number, string]> = [
  [ValidationError, 400, 'validation-failed'],
  [UnauthorizedError, 401, 'unauthorized'],
  [ForbiddenError, 403, 'forbidden'],
  [NotFoundError, 404, 'not-found'],
  [ConflictError, 409, 'conflict'],
  [PreconditionFailedError, 412, 'precondition-failed'],
  [PayloadTooLargeError, 413, 'payload-too-large'],
  [UnsupportedMediaTypeError, 415, 'unsupported-media-type'],
  [IdempotencyKeyReusedError, 422, 'idempotency-key-reused'],
  [PreconditionRequiredError, 428, 'precondition-required'],
  [InvariantError, 500, 'internal'],
];

// Postgres errors that reach the edge are client mistakes the schemas did not
// catch (or races): answer 4xx rather than 500.
const pgCodes: Record<string, [number, string]> = {
  '23505': [409, 'conflict'], // unique_violation: e.g. a concurrent duplicate
  '23503': [409, 'conflict'], // foreign_key_violation
  '22P05': [400, 'validation-failed'], // untranslatable character (\u0000 in jsonb)
  '22021': [400, 'validation-failed'], // invalid byte sequence
  '40001': [503, 'retry'], // serialization_failure: safe to retry
  '40P01': [503, 'retry'], // deadlock_detected
};

const TITLES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  409: 'Conflict', 412: 'Precondition Failed', 413: 'Content Too Large', 415: 'Unsupported Media Type',
  422: 'Unprocessable Content', 428: 'Precondition Required', 500: 'Internal Server Error', 503: 'Service Unavailable',
};

function problem(status: number, slug: string, detail: string, errors?: FieldIssue[]): Problem {
  return {
    type: `urn:accrue:problem:${slug}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
}

/** Maps any thrown value to a problem; `internal` tells the caller to log it as a bug. */
export function toProblem(value: unknown): { problem: Problem; internal: boolean } {
  const err = toError(value);
  for (const [Kind, status, slug] of kinds) {
    if (err instanceof Kind) {
      const issues = err instanceof ValidationError ? err.issues : undefined;
      const detail = status >= 500 ? 'internal error' : err.message;
      return { problem: problem(status, slug, detail, issues), internal: status >= 500 };
    }
  }
  if (err instanceof HTTPException) {
    // Hono's own refusals (e.g. a route that requires a JSON body got none: 415).
    const slug = kinds.find(([, status]) => status === err.status)?.[2] ?? 'http';
    return { problem: problem(err.status, slug, err.message || TITLES[err.status] || 'error'), internal: err.status >= 500 };
  }
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && pgCodes[code]) {
    const [status, slug] = pgCodes[code];
    return { problem: problem(status, slug, status === 503 ? 'concurrent update, retry the request' : err.message), internal: false };
  }
  return { problem: problem(500, 'internal', 'internal error'), internal: true };
}

export function problemResponse(c: Context, p: Problem): Response {
  return c.body(JSON.stringify(p), p.status as 400, { 'Content-Type': 'application/problem+json' });
}
