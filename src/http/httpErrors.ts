// Errors that only make sense at the HTTP edge (body framing, idempotency keys,
// preconditions). Domain errors live in src/errors.ts; problem.ts maps both.

export class PayloadTooLargeError extends Error {
  readonly limitBytes: number;
  constructor(limitBytes: number, options?: ErrorOptions) {
    super(`request body is larger than ${limitBytes} bytes`, options);
    this.name = 'PayloadTooLargeError';
    this.limitBytes = limitBytes;
  }
}

export class UnsupportedMediaTypeError extends Error {
  constructor(message = 'request body must be application/json', options?: ErrorOptions) {
    super(message, options);
    this.name = 'UnsupportedMediaTypeError';
  }
}

/** The Idempotency-Key was already used for a different request (422, as Stripe). */
export class IdempotencyKeyReusedError extends Error {
  constructor(message = 'Idempotency-Key was already used with a different request', options?: ErrorOptions) {
    super(message, options);
    this.name = 'IdempotencyKeyReusedError';
  }
}

/** A conditional write came without If-Match (428). */
export class PreconditionRequiredError extends Error {
  constructor(message = 'If-Match with the current version is required', options?: ErrorOptions) {
    super(message, options);
    this.name = 'PreconditionRequiredError';
  }
}
