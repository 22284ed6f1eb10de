/**
 * Thrown by a subscriber's handle() to say "not now, try this event again in
 * `seconds`" without it counting as a failure (e.g. its circuit breaker is open).
 * The worker rolls back what the handler wrote for this event, completes the job and
 * enqueues a new one for the same event that starts after `seconds`, in the same
 * transaction; the retry limit and the archive are not involved.
 */
export class DeferDelivery extends Error {
  readonly seconds: number;
  constructor(seconds: number, reason = 'delivery deferred') {
    super(reason);
    this.name = 'DeferDelivery';
    this.seconds = Math.max(1, Math.ceil(seconds));
  }
}
