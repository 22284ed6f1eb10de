import { HTTPException } from 'hono/http-exception';
import { describe, expect, it } from 'vitest';
import { parseScopes } from '../../src/auth/scopes.ts';
import {
  AppError,
  ConflictError,
  ForbiddenError,
  IdempotencyKeyReusedError,
  InvariantError,
  NotFoundError,
  PreconditionFailedError,
  UnauthorizedError,
  ValidationError,
} from '../../src/errors.ts';
import { upcast } from '../../src/events/upcasters.ts';
import { PayloadTooLargeError, PreconditionRequiredError, UnsupportedMediaTypeError } from '../../src/http/httpErrors.ts';
import { toProblem } from '../../src/http/problem.ts';
import { webhookKey } from '../../src/subscribers/webhooks/signWebhook.ts';

describe('errors map to problem+json in one place, by their code', () => {
  const cases: Array<[AppError, number, string]> = [
    [new ValidationError('bad', [{ field: 'name', message: 'required' }]), 400, 'validation-failed'],
    [new UnauthorizedError(), 401, 'unauthorized'],
    [new ForbiddenError('no scope'), 403, 'forbidden'],
    [new NotFoundError('no invoice x'), 404, 'not-found'],
    [new ConflictError('already void'), 409, 'conflict'],
    [new PreconditionFailedError('version 2 is not current'), 412, 'precondition-failed'],
    [new PayloadTooLargeError(10), 413, 'payload-too-large'],
    [new UnsupportedMediaTypeError(), 415, 'unsupported-media-type'],
    [new IdempotencyKeyReusedError(), 422, 'idempotency-key-reused'],
    [new PreconditionRequiredError(), 428, 'precondition-required'],
  ];

  it.each(cases)('%s → its status, its code as the problem type, its message as detail', (err, status, code) => {
    expect(err.code).toBe(code);
    const { problem, internal } = toProblem(err);
    expect(problem).toMatchObject({ type: `urn:accrue:problem:${code}`, status, detail: err.message });
    expect(internal).toBe(false);
  });

  it('a validation problem names the fields', () => {
    const { problem } = toProblem(new ValidationError('bad', [{ field: 'lines[0].amount', message: 'must be an integer' }]));
    expect(problem.errors).toEqual([{ field: 'lines[0].amount', message: 'must be an integer' }]);
    expect(toProblem(new ValidationError('bad')).problem).not.toHaveProperty('errors');
  });

  it('an invariant failure is a 500 that hides its message and is logged as a bug', () => {
    const { problem, internal } = toProblem(new InvariantError('event e1 neither inserted nor found'));
    expect(problem).toEqual({ type: 'urn:accrue:problem:internal', title: 'Internal Server Error', status: 500, detail: 'internal error' });
    expect(internal).toBe(true);
  });

  it("Hono's own refusals take the code of their status; Postgres codes and plain errors keep their mapping", () => {
    expect(toProblem(new HTTPException(415, { message: 'no body' })).problem).toMatchObject({ type: 'urn:accrue:problem:unsupported-media-type', status: 415, detail: 'no body' });
    const unique = Object.assign(new Error('duplicate key'), { code: '23505' });
    expect(toProblem(unique).problem).toMatchObject({ type: 'urn:accrue:problem:conflict', status: 409 });
    expect(toProblem(new Error('boom'))).toMatchObject({ problem: { status: 500, detail: 'internal error' }, internal: true });
  });
});

describe('user mistakes and broken invariants raise the coded errors', () => {
  it('an unknown scope name is a validation error', () => {
    expect(() => parseScopes('invoices:reed')).toThrow(ValidationError);
  });

  it('a whsec_ secret that is not base64 is a validation error', () => {
    expect(() => webhookKey('whsec_not base64!')).toThrow(ValidationError);
  });

  it('a missing upcaster step is an invariant failure, not bad input', () => {
    expect(() => upcast('InvoiceCreated', 1, 2, {}, {})).toThrow(InvariantError);
  });
});
