import { sql } from 'kysely';
import type { PgBoss } from 'pg-boss';
import type { Subscriber } from '../contract/subscriber.ts';
import type { Db } from '../../db/connect.ts';
import { ConflictError } from '../../errors.ts';
import { toStoredEvent } from '../../events/appendEvents.ts';
import { inboxLockKey } from '../worker/inboxAndFailures.ts';

export type RebuildResult = { subscriber: string; events: number; upToPosition: number };

/**
 * Rebuilds a subscriber's state from the event store while the service runs:
 * 1. one transaction calls its reset() and forgets its inbox, holding the inbox lock
 *    exclusively so batches in flight finish first and new ones wait;
 * 2. every stored event of its types up to the last position at that moment is sent
 *    to its queue again, in position order, `batchSize` per insert.
 * Events appended after step 1 reach it through the relay as usual; an event sent
 * both ways applies once (inbox). A crash halfway leaves a partial rebuild: run it again.
 */
export async function rebuildSubscriber(
  db: Db,
  boss: PgBoss,
  subscriber: Subscriber,
  options: { batchSize?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<RebuildResult> {
  const reset = subscriber.reset;
  if (!reset) {
    throw new ConflictError(`subscriber ${subscriber.name} cannot be rebuilt: it defines no reset(), so its state cannot be cleared safely`);
  }
  const types = [...subscriber.eventTypes];
  const { upTo, total } = await db.transaction().execute(async (tx) => {
    await sql`SELECT pg_advisory_xact_lock(${inboxLockKey(subscriber.name)})`.execute(tx);
    const bounds = await sql<{ up_to: number | null; total: number }>`
      SELECT max(position) AS up_to, count(*)::int AS total FROM events WHERE type = ANY(${types}::text[])`.execute(tx);
    await reset.call(subscriber, tx);
    await tx.deleteFrom('inbox').where('subscriber', '=', subscriber.name).execute();
    return { upTo: Number(bounds.rows[0]?.up_to ?? 0), total: bounds.rows[0]?.total ?? 0 };
  });

  const batchSize = options.batchSize ?? 1000;
  let sent = 0;
  let after = 0;
  options.onProgress?.(0, total);
  while (types.length > 0) {
    const rows = await db
      .selectFrom('events')
      .selectAll()
      .where('type', 'in', types)
      .where('position', '>', after)
      .where('position', '<=', upTo)
      .orderBy('position')
      .limit(batchSize)
      .execute();
    if (rows.length === 0) break;
    await boss.insert(subscriber.name, rows.map((r) => ({ data: toStoredEvent(r) })));
    sent += rows.length;
    after = Number(rows[rows.length - 1]!.position);
    options.onProgress?.(sent, total);
  }
  return { subscriber: subscriber.name, events: sent, upToPosition: upTo };
}
