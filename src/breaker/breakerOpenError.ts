/**
 * Thrown instead of calling an outside system whose circuit breaker is open. Nothing
 * was attempted, so the worker should not spend a retry on it: roll back the job's
 * transaction (nothing was applied) and run the job again at `nextAttemptAt`, e.g.
 * complete it and re-send the same payload with `startAfter: nextAttemptAt` (the
 * inbox keys on eventId, not job id, so the new job applies once), or otherwise
 * defer it without counting the attempt. Treat it as an ordinary failure only if
 * deferring is impossible.
 */
export class BreakerOpenError extends Error {
  readonly breaker: string;
  readonly retryAfterMs: number;
  readonly nextAttemptAt: Date;
  constructor(breaker: string, nextAttemptAt: Date, retryAfterMs: number, options?: ErrorOptions) {
    super(`circuit breaker ${breaker} is open; next attempt at ${nextAttemptAt.toISOString()}`, options);
    this.name = 'BreakerOpenError';
    this.breaker = breaker;
    this.nextAttemptAt = nextAttemptAt;
    this.retryAfterMs = Math.max(0, retryAfterMs);
  }
}

export function isBreakerOpenError(err: unknown): err is BreakerOpenError {
  return err instanceof BreakerOpenError;
}
