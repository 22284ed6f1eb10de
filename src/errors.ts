// The few errors the application raises; http/problem.ts maps them to
// application/problem+json in one place.
export type FieldIssue = { field: string; message: string };

export class ValidationError extends Error {
  readonly issues: FieldIssue[];
  constructor(message: string, issues: FieldIssue[] = [], options?: ErrorOptions) {
    super(message, options);
    this.name = 'ValidationError';
    this.issues = issues;
  }
}

export class NotFoundError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'NotFoundError';
  }
}

export class ConflictError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConflictError';
  }
}

/** A precondition (If-Match version) no longer holds. */
export class PreconditionFailedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PreconditionFailedError';
  }
}

export class UnauthorizedError extends Error {
  constructor(message = 'missing or invalid bearer token', options?: ErrorOptions) {
    super(message, options);
    this.name = 'UnauthorizedError';
  }
}

export class ForbiddenError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ForbiddenError';
  }
}

/** Something that must never happen did: a bug, not bad input. */
export class InvariantError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvariantError';
  }
}

export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new Error(typeof value === 'string' ? value : JSON.stringify(value));
}
