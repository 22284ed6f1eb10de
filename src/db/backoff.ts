/**
 * The n-th wait (n from 1) of a doubling backoff: firstMs, 2x, 4x ... capped at maxMs.
 * The one backoff of every reconnect and retry loop (outbox listener, relay batches,
 * waiting for the database at boot), each with its own first and last step.
 */
export function doublingDelay(n: number, firstMs: number, maxMs: number): number {
  return Math.min(maxMs, firstMs * 2 ** Math.max(0, n - 1));
}
