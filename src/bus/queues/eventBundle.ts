/**
 * A bundle: one pg-boss job carrying several events for one subscriber (issue 10).
 * The relay makes one per relay batch for a subscriber that takes bundles
 * (subscriptions.takes_bundles), so a drain pays pg-boss's job row (insert, fetch,
 * complete) once per batch instead of once per event. Its data is `{ events: [...] }`;
 * every other job carries one event as its data, as before.
 *
 * A bundle is all or nothing: the worker applies its events in one transaction with
 * the bundle's completion. If that fails, the worker splits it: the bundle completes
 * and each event is enqueued again as its own job, which then has every per-event
 * guarantee (retries, backoff, failed_attempts, the archive) exactly as if it had
 * never been bundled (src/bus/worker/applyBundles.ts).
 */
export type EventBundle = { events: unknown[] };

/** The most events one bundle carries; a larger relay batch makes several bundles. */
export const MAX_BUNDLE_EVENTS = 1000;

export function isBundle(data: unknown): data is EventBundle {
  return typeof data === 'object' && data !== null && !('eventId' in data) && Array.isArray((data as { events?: unknown }).events);
}

/**
 * The job data for `events` on one queue: one job per event when the queue does not
 * take bundles or there is only one, else bundles of up to MAX_BUNDLE_EVENTS (pure).
 */
export function jobsFor<E extends object>(events: readonly E[], takesBundles: boolean): (E | EventBundle)[] {
  if (!takesBundles || events.length < 2) return [...events];
  const bundles: EventBundle[] = [];
  for (let i = 0; i < events.length; i += MAX_BUNDLE_EVENTS) bundles.push({ events: events.slice(i, i + MAX_BUNDLE_EVENTS) });
  return bundles;
}
