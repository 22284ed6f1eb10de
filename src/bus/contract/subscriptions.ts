import type { Executor } from '../../db/connect.ts';
import type { Subscriber } from './subscriber.ts';

/**
 * One row per (subscriber, event type): what the subscriptions table holds and
 * registerSubscriptions writes. takes_bundles: its worker takes one job per relay
 * batch (src/bus/queues/eventBundle.ts); absent (a relay's own view) counts as false.
 */
export type SubscriptionRow = { subscriber: string; event_type: string; takes_bundles?: boolean };

/** Who registers decides: a worker says its subscribers take bundles, except those that call outside systems. */
export function subscriptionRows(subscribers: readonly Pick<Subscriber, 'name' | 'eventTypes' | 'external'>[], options: { bundles?: boolean } = {}): SubscriptionRow[] {
  return subscribers.flatMap((s) =>
    [...new Set(s.eventTypes)].map((type) => ({ subscriber: s.name, event_type: type, takes_bundles: options.bundles === true && !s.external })),
  );
}

/**
 * Records that `subscribers` take their event types, for every relay to route by
 * (migration 053). Only adds: another process may run a subscriber this one does
 * not (a webhook URL set on one host only), so nothing is removed here; removing a
 * subscriber for good is an operator's DELETE (docs/subscribers.md "Routing").
 * Call it after the subscribers' queues exist, so a relay never routes to a
 * queue that is not there yet.
 */
export async function registerSubscriptions(db: Executor, subscribers: readonly Pick<Subscriber, 'name' | 'eventTypes' | 'external'>[], options: { bundles?: boolean } = {}): Promise<void> {
  const rows = subscriptionRows(subscribers, options);
  if (rows.length === 0) return;
  // A worker (bundles given) states what its subscribers take; a relay only adds rows it
  // knows of and leaves a worker's answer as it is.
  await db
    .insertInto('subscriptions')
    .values(rows)
    .onConflict((oc) =>
      options.bundles === undefined
        ? oc.columns(['subscriber', 'event_type']).doNothing()
        : oc.columns(['subscriber', 'event_type']).doUpdateSet((eb) => ({ takes_bundles: eb.ref('excluded.takes_bundles') })),
    )
    .execute();
}
