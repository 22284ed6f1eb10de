import { sql } from 'kysely';
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
  if (options.bundles === undefined) {
    // A relay, or the API adding a webhook endpoint's types, only adds rows and leaves a
    // worker's answer as it is; a row it adds takes the answer its subscriber's worker
    // gave on its other rows (false while no worker has given one). Written false, an
    // endpoint's types would have kept the webhooks queue on one job per event for good.
    await sql`
      INSERT INTO subscriptions (subscriber, event_type, takes_bundles)
      SELECT r.subscriber, r.event_type,
             coalesce((SELECT bool_and(s.takes_bundles) FROM subscriptions s WHERE s.subscriber = r.subscriber), false)
      FROM unnest(${rows.map((r) => r.subscriber)}::text[], ${rows.map((r) => r.event_type)}::text[]) AS r (subscriber, event_type)
      ON CONFLICT (subscriber, event_type) DO NOTHING`.execute(db);
    return;
  }
  // A worker states what its subscribers take.
  await db
    .insertInto('subscriptions')
    .values(rows)
    .onConflict((oc) => oc.columns(['subscriber', 'event_type']).doUpdateSet((eb) => ({ takes_bundles: eb.ref('excluded.takes_bundles') })))
    .execute();
}
