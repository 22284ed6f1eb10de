import { sql } from 'kysely';
import type { Executor } from '../../db/connect.ts';
import { RELAYED_WHEN_SUBSCRIBED } from '../../events/eventTypes.ts';
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
 *
 * The first subscription of a type in RELAYED_WHEN_SUBSCRIBED (whose events get an
 * outbox row only while a subscription takes them: insertEventsCtes in
 * events/appendEvents.ts) is added under ACCESS EXCLUSIVE on the table, held to the
 * commit (the caller's, when `db` is a transaction): it waits for every transaction
 * that appended events without seeing it, and holds new appends until it commits, so
 * each such event is either written before the subscription (not relayed to it) or
 * sees it (relayed). New appends wait as long as the longest open one (a daily
 * recognition run: seconds), once per type per database: a type already taken takes
 * no exclusive lock. Registrars take SHARE UPDATE EXCLUSIVE first, so two of them
 * queue instead of deadlocking on the upgrade.
 */
export async function registerSubscriptions(db: Executor, subscribers: readonly Pick<Subscriber, 'name' | 'eventTypes' | 'external'>[], options: { bundles?: boolean } = {}): Promise<void> {
  const rows = subscriptionRows(subscribers, options);
  if (rows.length === 0) return;
  const gated = [...new Set(rows.map((r) => r.event_type).filter((t) => (RELAYED_WHEN_SUBSCRIBED as readonly string[]).includes(t)))];
  if (gated.length === 0) return writeSubscriptions(db, rows, options);
  const register = async (tx: Executor) => {
    await sql`LOCK TABLE subscriptions IN SHARE UPDATE EXCLUSIVE MODE`.execute(tx);
    const { rows: taken } = await sql<{ event_type: string }>`
      SELECT DISTINCT event_type FROM subscriptions WHERE event_type = ANY(${gated}::text[])`.execute(tx);
    if (taken.length < gated.length) await sql`LOCK TABLE subscriptions IN ACCESS EXCLUSIVE MODE`.execute(tx);
    await writeSubscriptions(tx, rows, options);
  };
  if (db.isTransaction) await register(db);
  else await db.transaction().execute(register);
}

async function writeSubscriptions(db: Executor, rows: readonly SubscriptionRow[], options: { bundles?: boolean }): Promise<void> {
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
    .values([...rows])
    .onConflict((oc) => oc.columns(['subscriber', 'event_type']).doUpdateSet((eb) => ({ takes_bundles: eb.ref('excluded.takes_bundles') })))
    .execute();
}
