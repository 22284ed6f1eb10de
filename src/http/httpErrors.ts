// Errors that only make sense at the HTTP edge (body framing, preconditions).
// Domain errors live in src/errors.ts; problem.ts maps both by their code.
import { AppError } from '../errors.ts';

export class PayloadTooLargeError extends AppError {
  readonly code = 'payload-too-large';
  readonly limitBytes: number;
  constructor(limitBytes: number, options?: ErrorOptions) {
    super(`request body is larger than ${limitBytes} bytes`, options);
    this.name = 'PayloadTooLargeError';
    this.limitBytes = limitBytes;
  }
}

export class UnsupportedMediaTypeError extends AppError {
  readonly code = 'unsupported-media-type';
  constructor(message = 'request body must be application/json', options?: ErrorOptions) {
    super(message, options);
    this.name = 'UnsupportedMediaTypeError';
  }
}

/** A conditional write came without If-Match (428). */
export class PreconditionRequiredError extends AppError {
  readonly code = 'precondition-required';
  constructor(message = 'If-Match with the current version is required', options?: ErrorOptions) {
    super(message, options);
    this.name = 'PreconditionRequiredError';
  }
}
