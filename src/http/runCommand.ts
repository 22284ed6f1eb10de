import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Executor } from '../db/connect.ts';
import { ValidationError } from '../errors.ts';
import type { EventContext } from '../events/appendEvents.ts';
import { routePattern } from '../telemetry/httpMetrics.ts';
import { traceTransaction } from '../telemetry/instrument.ts';
import { claimIdempotencyKey, completeIdempotencyKey, type IdempotentRequest } from './idempotencyKeys.ts';
import type { ApiEnv, RouteDeps } from './context.ts';
import { canonicalJson } from './middleware/jsonBody.ts';

/**
 * What a command answers. `S` is the literal status (or union, e.g. `200 | 201`):
 * runCommand's response carries it and the body type, so a route handler's return
 * type is checked against its createRoute responses (no cast in the route).
 */
export type CommandResult<T, S extends ContentfulStatusCode = ContentfulStatusCode> = { status: S; body: T; headers?: Record<string, string> };
/** Gets the open transaction, or the pool when the command is a single statement (see runCommand). */
export type CommandFn<T, S extends ContentfulStatusCode = ContentfulStatusCode> = (tx: Executor, ctx: EventContext) => Promise<CommandResult<T, S>>;

const KEY = /^[\x21-\x7e]{1,255}$/;

/** The event context of this call: correlation id, traceparent and the caller as actor. */
export function eventContext(c: Context<ApiEnv>): EventContext {
  const principal = c.get('principal');
  return {
    correlationId: c.get('correlationId'),
    traceparent: c.get('traceparent'),
    actor: principal.id === 'bootstrap' ? 'bootstrap' : `api-key:${principal.id}`,
  };
}

/**
 * Runs a write in ONE transaction — state, events and the Idempotency-Key record —
 * and answers only after it committed. A repeated key with the same body returns
 * the stored first response (status, body and headers such as ETag and Location,
 * plus Idempotent-Replayed: true) and runs nothing; with another body, 422.
 *
 * `singleStatement`: the command's writes are one SQL statement, so without an
 * Idempotency-Key it skips BEGIN/COMMIT (the invoice-create hot path).
 *
 * The transaction runs inside a `transaction {command}` span (traceTransaction), and
 * the events store THAT span's traceparent: the worker continues the trace from the
 * span that wrote them. Without a tracer (no SDK registered) the caller's own
 * `traceparent` header, if any, is stored instead.
 */
export async function runCommand<T extends object, S extends ContentfulStatusCode>(
  c: Context<ApiEnv>,
  deps: RouteDeps,
  fn: CommandFn<T, S>,
  options: { singleStatement?: boolean; command?: string; invoiceId?: string } = {},
) {
  const key = c.req.method === 'POST' ? c.req.header('idempotency-key') : undefined;
  if (key !== undefined && !KEY.test(key)) {
    throw new ValidationError('invalid Idempotency-Key', [{ field: 'Idempotency-Key', message: '1-255 printable ASCII characters' }]);
  }
  const base = eventContext(c);
  const request: IdempotentRequest | null = key
    ? { principal: c.get('principal').id, key, method: c.req.method, path: c.req.path, body: c.get('body') === undefined ? '' : canonicalJson(c.get('body')) }
    : null;
  const command = options.command ?? `${c.req.method} ${routePattern(c)}`;
  const ids = { correlationId: base.correlationId, invoiceId: options.invoiceId };
  const outcome = await traceTransaction(command, ids, (traceparent) => {
    const ctx: EventContext = { ...base, traceparent: traceparent ?? base.traceparent };
    if (!request && options.singleStatement) return fn(deps.db, ctx).then((result) => ({ result, replayed: false }));
    return deps.db.transaction().execute(async (tx) => {
      if (request) {
        const claim = await claimIdempotencyKey(tx, request);
        // The stored answer is the one this same command gave the first time (same key, same body).
        if (!claim.claimed) return { result: claim.response as CommandResult<T, S>, replayed: true };
      }
      const result = await fn(tx, ctx);
      if (request) await completeIdempotencyKey(tx, request, { status: result.status, body: result.body, headers: result.headers ?? {} });
      return { result, replayed: false };
    });
  });
  const headers: Record<string, string> = { ...outcome.result.headers };
  if (outcome.replayed) headers['Idempotent-Replayed'] = 'true';
  return c.json(outcome.result.body, outcome.result.status, headers);
}
