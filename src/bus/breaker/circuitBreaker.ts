import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { toError } from '../../errors.ts';
import { admit, afterFailure, afterSuccess, closedState, type BreakerPolicy, type BreakerState } from './breakerState.ts';
import { BreakerOpenError } from './breakerOpenError.ts';

/**
 * A circuit breaker whose state lives in `circuit_breakers`, shared by every worker
 * process. Why shared and not per process: an endpoint that is down is down for all
 * workers; with per-process breakers, 8 workers would each need N failures to open
 * (8N calls against a dead endpoint) and would each send their own probes. Shared,
 * the fleet opens after N failures and sends one probe per cool-down. The cost is
 * one indexed read per outside call (~0.2 ms next to an HTTP call's milliseconds),
 * and a write only when the state changes.
 *
 * `db` must NOT be the job's transaction: a failure has to be counted although the
 * job's transaction rolls back. Give it its own small pool (connect(url, {max: 2})):
 * a handler holding a job connection must never wait for another connection from
 * the same pool, or a full pool deadlocks. Writes are compare-and-set on `version`.
 */
export type CircuitBreaker = {
  name: string;
  /** Runs `call` if the breaker lets it through; throws BreakerOpenError if not. */
  run<T>(now: Date, call: () => Promise<T>): Promise<T>;
};

export type CircuitBreakerOptions = {
  db: Kysely<Database>;
  name: string;
  policy: BreakerPolicy;
  /** Failures that say nothing about the endpoint's health (e.g. a 400 for one payload) do not count. */
  countsAsFailure?: (err: Error) => boolean;
};

const MAX_CAS_ATTEMPTS = 20;

export function createCircuitBreaker(options: CircuitBreakerOptions): CircuitBreaker {
  const { db, name, policy } = options;
  const counts = options.countsAsFailure ?? (() => true);
  let ensured: Promise<unknown> | undefined;
  const ensureRow = () =>
    (ensured ??= db
      .insertInto('circuit_breakers')
      .values({ name })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute()
      .catch((err: unknown) => {
        ensured = undefined; // try again on the next call
        throw err;
      }));

  async function read(): Promise<{ state: BreakerState; version: number }> {
    await ensureRow();
    const row = await db.selectFrom('circuit_breakers').selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) return { state: closedState, version: -1 };
    const state: BreakerState = {
      state: row.state,
      failures: row.failures,
      openedAt: row.opened_at,
      nextAttemptAt: row.next_attempt_at,
      lastError: row.last_error,
      lastFailureAt: row.last_failure_at,
    };
    return { state, version: row.version };
  }

  async function write(version: number, next: BreakerState, now: Date): Promise<boolean> {
    const result = await db
      .updateTable('circuit_breakers')
      .set({
        state: next.state,
        failures: next.failures,
        opened_at: next.openedAt,
        next_attempt_at: next.nextAttemptAt,
        last_error: next.lastError,
        last_failure_at: next.lastFailureAt,
        version: version + 1,
        updated_at: now,
      })
      .where('name', '=', name)
      .where('version', '=', version)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Applies a transition with compare-and-set, re-reading when another process won. */
  async function transition(now: Date, step: (s: BreakerState) => BreakerState): Promise<void> {
    for (let i = 0; i < MAX_CAS_ATTEMPTS; i++) {
      const { state, version } = await read();
      const next = step(state);
      if (next === state || (await write(version, next, now))) return;
    }
    throw new Error(`circuit breaker ${name}: state kept changing under ${MAX_CAS_ATTEMPTS} attempts`);
  }

  /** Returns the state the call went out under, or throws BreakerOpenError. */
  async function enter(now: Date): Promise<BreakerState> {
    for (let i = 0; i < MAX_CAS_ATTEMPTS; i++) {
      const { state, version } = await read();
      const admission = admit(state, now, policy);
      if (admission.kind === 'pass') return state;
      if (admission.kind === 'defer') throw new BreakerOpenError(name, admission.until, admission.retryAfterMs);
      // Only the process whose compare-and-set wins sends the probe; the others see
      // half_open with the probe's lease and defer until it ends.
      if (await write(version, admission.next, now)) return admission.next;
    }
    throw new Error(`circuit breaker ${name}: state kept changing under ${MAX_CAS_ATTEMPTS} attempts`);
  }

  return {
    name,
    async run<T>(now: Date, call: () => Promise<T>): Promise<T> {
      const entered = await enter(now);
      let result: T;
      try {
        result = await call();
      } catch (err) {
        const error = toError(err);
        if (counts(error)) await transition(now, (s) => afterFailure(s, now, error.message, policy));
        else if (entered.state === 'half_open') await transition(now, afterSuccess); // the endpoint answered
        throw err;
      }
      // The common case (closed, no failures) writes nothing.
      if (entered.state !== 'closed' || entered.failures > 0) await transition(now, afterSuccess);
      return result;
    },
  };
}
