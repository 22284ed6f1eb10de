import { DeferDelivery } from '../contract/deferDelivery.ts';

/**
 * Thrown instead of calling an outside system whose circuit breaker is open. Nothing
 * was attempted, so the worker should not spend a retry on it: roll back the job's
 * transaction (nothing was applied) and run the job again at `nextAttemptAt`, e.g.
 * complete it and re-send the same payload with `startAfter: nextAttemptAt` (the
 * inbox keys on eventId, not job id, so the new job applies once), or otherwise
 * defer it without counting the attempt. Treat it as an ordinary failure only if
 * deferring is impossible.
 */
// A DeferDelivery: the worker completes the job and enqueues the event again for
// `nextAttemptAt`, without spending a retry or touching the archive.
export class BreakerOpenError extends DeferDelivery {
  readonly breaker: string;
  readonly retryAfterMs: number;
  readonly nextAttemptAt: Date;
  constructor(breaker: string, nextAttemptAt: Date, retryAfterMs: number, options?: ErrorOptions) {
    super(Math.max(0, retryAfterMs) / 1000, `circuit breaker ${breaker} is open; next attempt at ${nextAttemptAt.toISOString()}`);
    if (options?.cause !== undefined) this.cause = options.cause;
    this.name = 'BreakerOpenError';
    this.breaker = breaker;
    this.nextAttemptAt = nextAttemptAt;
    this.retryAfterMs = Math.max(0, retryAfterMs);
  }
}
