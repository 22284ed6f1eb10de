import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { AppError, UnprocessableError, ValidationError, toError, type ErrorCode, type FieldIssue } from '../errors.ts';

/** RFC 9457 problem details, plus the fields that failed and the call's correlation id. */
export type Problem = {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldIssue[];
  correlationId?: string;
};

/** The one mapping from an error's code to its HTTP status. */
const STATUS: Record<ErrorCode, number> = {
  'validation-failed': 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'precondition-failed': 412,
  'payload-too-large': 413,
  'unsupported-media-type': 415,
  'idempotency-key-reused': 422,
  unprocessable: 422,
  'precondition-required': 428,
  internal: 500,
};

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
  if (err instanceof AppError) {
    const status = STATUS[err.code];
    const issues = err instanceof ValidationError || err instanceof UnprocessableError ? err.issues : undefined;
    const detail = status >= 500 ? 'internal error' : err.message;
    return { problem: problem(status, err.code, detail, issues), internal: status >= 500 };
  }
  if (err instanceof HTTPException) {
    // Hono's own refusals (e.g. a route that requires a JSON body got none: 415).
    const slug = (Object.keys(STATUS) as ErrorCode[]).find((code) => STATUS[code] === err.status) ?? 'http';
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
