// The few errors the application raises, each with a stable code; http/problem.ts
// maps the code to a status and application/problem+json in one place (the code is
// the last part of the problem `type`, urn:accrue:problem:<code>). Throw these for
// user mistakes and broken invariants; plain Error stays for operational failures
// (a peer that did not answer, a timeout), which answer 500 at the edge.
export type FieldIssue = { field: string; message: string };

export type ErrorCode =
  | 'validation-failed'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'precondition-failed'
  | 'payload-too-large'
  | 'unsupported-media-type'
  | 'idempotency-key-reused'
  | 'unprocessable'
  | 'precondition-required'
  | 'internal';

/** What every application error has: a stable code that callers and problem.ts switch on. */
export abstract class AppError extends Error {
  abstract readonly code: ErrorCode;
}

export class ValidationError extends AppError {
  readonly code = 'validation-failed';
  readonly issues: FieldIssue[];
  constructor(message: string, issues: FieldIssue[] = [], options?: ErrorOptions) {
    super(message, options);
    this.name = 'ValidationError';
    this.issues = issues;
  }
}

/**
 * Well-formed input the books cannot take as it stands (422), e.g. an event dated
 * ahead of the clock: the same request may succeed later, unlike a 400.
 */
export class UnprocessableError extends AppError {
  readonly code = 'unprocessable';
  readonly issues: FieldIssue[];
  constructor(message: string, issues: FieldIssue[] = [], options?: ErrorOptions) {
    super(message, options);
    this.name = 'UnprocessableError';
    this.issues = issues;
  }
}

export class NotFoundError extends AppError {
  readonly code = 'not-found';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'NotFoundError';
  }
}

export class ConflictError extends AppError {
  readonly code = 'conflict';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConflictError';
  }
}

/** A precondition (If-Match version) no longer holds. */
export class PreconditionFailedError extends AppError {
  readonly code = 'precondition-failed';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PreconditionFailedError';
  }
}

export class UnauthorizedError extends AppError {
  readonly code = 'unauthorized';
  constructor(message = 'missing or invalid bearer token', options?: ErrorOptions) {
    super(message, options);
    this.name = 'UnauthorizedError';
  }
}

export class ForbiddenError extends AppError {
  readonly code = 'forbidden';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ForbiddenError';
  }
}

/** Something that must never happen did: a bug, not bad input. */
export class InvariantError extends AppError {
  readonly code = 'internal';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvariantError';
  }
}

/**
 * The Idempotency-Key was already used for a different request (422, as Stripe).
 * Here rather than in http/httpErrors.ts because src/http raises it, below the HTTP layer.
 */
export class IdempotencyKeyReusedError extends AppError {
  readonly code = 'idempotency-key-reused';
  constructor(message = 'Idempotency-Key was already used with a different request', options?: ErrorOptions) {
    super(message, options);
    this.name = 'IdempotencyKeyReusedError';
  }
}

export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new Error(typeof value === 'string' ? value : JSON.stringify(value));
}
