import type { Executor } from '../../db/connect.ts';
import type { Subscriber } from './subscriber.ts';

/** One row per (subscriber, event type): what the subscriptions table holds and registerSubscriptions writes. */
export type SubscriptionRow = { subscriber: string; event_type: string };

export function subscriptionRows(subscribers: readonly Pick<Subscriber, 'name' | 'eventTypes'>[]): SubscriptionRow[] {
  return subscribers.flatMap((s) => [...new Set(s.eventTypes)].map((type) => ({ subscriber: s.name, event_type: type })));
}

/**
 * Records that `subscribers` take their event types, for every relay to route by
 * (migration 053). Only adds: another process may run a subscriber this one does
 * not (a webhook URL set on one host only), so nothing is removed here; removing a
 * subscriber for good is an operator's DELETE (docs/subscribers.md "Routing").
 * Call it after the subscribers' queues exist, so a relay never routes to a
 * queue that is not there yet.
 */
export async function registerSubscriptions(db: Executor, subscribers: readonly Pick<Subscriber, 'name' | 'eventTypes'>[]): Promise<void> {
  const rows = subscriptionRows(subscribers);
  if (rows.length === 0) return;
  await db.insertInto('subscriptions').values(rows).onConflict((oc) => oc.columns(['subscriber', 'event_type']).doNothing()).execute();
}
