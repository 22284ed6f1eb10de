/**
 * Thrown by a subscriber's handle() to say "this event can never apply, whatever
 * the number of tries" (e.g. a PeriodClosed for a month that has not ended: applying
 * it would lock the month early, and waiting for the month to end would apply it at
 * a time nobody chose). The worker rolls back what the handler wrote for the event
 * and sends it straight to the failed-job archive with this message, as it does for
 * a poison payload: no retries, an operator decides (fix and replay, or leave it).
 */
export class RefuseEvent extends Error {
  constructor(reason: string, options?: ErrorOptions) {
    super(reason, options);
    this.name = 'RefuseEvent';
  }
}
