/**
 * A bundle: one pg-boss job standing for several events for one subscriber (issue
 * 10). The relay makes one per relay batch for a subscriber that takes bundles
 * (subscriptions.takes_bundles), so a drain pays pg-boss's job row (insert, fetch,
 * complete) once per batch instead of once per event. Its data is
 * `{ positions: [...] }`, the events' positions in the event store: the worker reads
 * the events from `events` (never changed or deleted), so the job row stays a few KiB
 * instead of copying every event's data through pg-boss. Every other job carries one
 * event as its data, as before.
 *
 * A bundle is all or nothing: the worker applies its events in one transaction with
 * the bundle's completion. If that fails, the worker splits it: the bundle completes
 * and each event is enqueued again as its own job, which then has every per-event
 * guarantee (retries, backoff, failed_attempts, the archive) exactly as if it had
 * never been bundled (src/bus/worker/applyBundles.ts).
 */
export type EventBundle = { positions: number[] };

/** The most events one bundle stands for; a larger relay batch makes several bundles. */
export const MAX_BUNDLE_EVENTS = 1000;

export function isBundle(data: unknown): data is EventBundle {
  if (typeof data !== 'object' || data === null || 'eventId' in data) return false;
  const { positions } = data as { positions?: unknown };
  return Array.isArray(positions) && positions.every((p) => Number.isSafeInteger(p) && (p as number) > 0);
}

/**
 * The job data for `events` on one queue: one job per event when the queue does not
 * take bundles or there is only one, else bundles of up to MAX_BUNDLE_EVENTS positions (pure).
 */
export function jobsFor<E extends { position: number }>(events: readonly E[], takesBundles: boolean): (E | EventBundle)[] {
  if (!takesBundles || events.length < 2) return [...events];
  const bundles: EventBundle[] = [];
  for (let i = 0; i < events.length; i += MAX_BUNDLE_EVENTS) bundles.push({ positions: events.slice(i, i + MAX_BUNDLE_EVENTS).map((e) => e.position) });
  return bundles;
}
