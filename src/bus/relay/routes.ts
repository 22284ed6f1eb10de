import type { Subscriber } from '../contract/subscriber.ts';
import { InvariantError } from '../../errors.ts';
import { subscriptionRows, type SubscriptionRow } from '../contract/subscriptions.ts';

/** Event type -> the queues (one per subscriber) that take it. */
export type Routes = ReadonlyMap<string, readonly string[]>;

/** The subscription map of a process's own subscribers: each subscriber's queue is named after it. */
export function buildRoutes(subscribers: readonly Pick<Subscriber, 'name' | 'eventTypes'>[]): Routes {
  const names = new Set<string>();
  for (const s of subscribers) {
    if (names.has(s.name)) throw new InvariantError(`two subscribers are named ${s.name}`);
    names.add(s.name);
  }
  return routesFromSubscriptions(subscriptionRows(subscribers));
}

/** The routes the subscriptions table gives (one row per subscriber and event type). */
export function routesFromSubscriptions(rows: readonly SubscriptionRow[]): Routes {
  const routes = new Map<string, string[]>();
  for (const { subscriber, event_type } of rows) {
    const queues = routes.get(event_type) ?? [];
    if (!queues.includes(subscriber)) queues.push(subscriber);
    routes.set(event_type, queues);
  }
  return routes;
}

/**
 * The queues whose worker takes bundles: every row of the subscriber says so (a row
 * an older worker or a relay wrote without the flag keeps it to one job per event).
 */
export function bundledQueues(rows: readonly SubscriptionRow[]): Set<string> {
  const takes = new Map<string, boolean>();
  for (const { subscriber, takes_bundles } of rows) takes.set(subscriber, (takes.get(subscriber) ?? true) && takes_bundles === true);
  return new Set([...takes].flatMap(([queue, yes]) => (yes ? [queue] : [])));
}

/** Event type -> how many of `events` no queue takes. */
export function unroutedTypes(routes: Routes, events: readonly { type: string }[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { type } of events) if (!routes.get(type)?.length) counts.set(type, (counts.get(type) ?? 0) + 1);
  return counts;
}

/** Groups events by the queue each must go to, keeping their order. */
export function routeEvents<E extends { type: string }>(routes: Routes, events: readonly E[]): Map<string, E[]> {
  const byQueue = new Map<string, E[]>();
  for (const event of events) {
    for (const queue of routes.get(event.type) ?? []) {
      const list = byQueue.get(queue) ?? [];
      list.push(event);
      byQueue.set(queue, list);
    }
  }
  return byQueue;
}
