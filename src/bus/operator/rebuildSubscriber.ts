import { sql } from 'kysely';
import type { PgBoss } from 'pg-boss';
import type { Subscriber } from '../contract/subscriber.ts';
import type { Db } from '../../db/connect.ts';
import { ConflictError } from '../../errors.ts';
import { toStoredEvent } from '../../events/appendEvents.ts';
import { jobsFor } from '../queues/eventBundle.ts';
import { inboxLockKey } from '../worker/inboxAndFailures.ts';
import { latestSnapshot, restoreProjectionSnapshot, takesSnapshots, type ProjectionSnapshot } from './projectionSnapshots.ts';

export type RebuildResult = {
  subscriber: string;
  events: number;
  upToPosition: number;
  /** The snapshot it started from (null: from scratch). */
  fromSnapshot: { snapshotId: number; throughTx: string; rows: number } | null;
};

/**
 * Rebuilds a subscriber's state from the event store while the service runs:
 * 1. one transaction calls its reset() and forgets its inbox, holding the inbox lock
 *    exclusively so batches in flight finish first and new ones wait; when the
 *    subscriber takes snapshots and one of its schema version exists (and not
 *    `fromScratch`), the same transaction restores it instead (its tables end up equal
 *    to the snapshot; only the rows that differ are written) and forgets only the inbox
 *    rows of the events after its point;
 * 2. every stored event of its types up to the last position at that moment (after
 *    the snapshot's point, in commit order, when restoring one) is sent to its queue
 *    again, `batchSize` per insert: one bundle job each (src/bus/queues/eventBundle.ts),
 *    or one job per event for an external subscriber.
 * Events appended after step 1 reach it through the relay as usual; an event sent
 * both ways applies once (inbox). A crash halfway leaves a partial rebuild: run it again.
 */
export async function rebuildSubscriber(
  db: Db,
  boss: PgBoss,
  subscriber: Subscriber,
  options: { batchSize?: number; fromScratch?: boolean; onProgress?: (done: number, total: number) => void } = {},
): Promise<RebuildResult> {
  const reset = subscriber.reset;
  if (!reset) {
    throw new ConflictError(`subscriber ${subscriber.name} cannot be rebuilt: it defines no reset(), so its state cannot be cleared safely`);
  }
  const types = [...subscriber.eventTypes];
  const { upTo, total, snapshot } = await db.transaction().execute(async (tx) => {
    await sql`SELECT pg_advisory_xact_lock(${inboxLockKey(subscriber.name)})`.execute(tx);
    let snapshot: ProjectionSnapshot | null = null;
    if (!options.fromScratch && takesSnapshots(subscriber)) {
      const latest = await latestSnapshot(tx, subscriber);
      if (latest && (await restoreProjectionSnapshot(tx, subscriber, latest))) snapshot = latest;
    }
    if (!snapshot) {
      await reset.call(subscriber, tx);
      await tx.deleteFrom('inbox').where('subscriber', '=', subscriber.name).execute();
    }
    // Two subqueries, so the count after a snapshot's point reads the commit-order index, not every event.
    const bounds = await sql<{ up_to: number | null; total: number }>`
      SELECT (SELECT max(position) FROM events) AS up_to,
             (SELECT count(*) FROM events WHERE type = ANY(${types}::text[]) AND tx_id >= ${snapshot?.throughTx ?? '0'}::xid8)::int AS total`.execute(tx);
    return { upTo: Number(bounds.rows[0]?.up_to ?? 0), total: bounds.rows[0]?.total ?? 0, snapshot };
  });

  const batchSize = options.batchSize ?? 1000;
  let sent = 0;
  options.onProgress?.(0, total);
  // In commit order (tx_id, position) from the snapshot's point; from scratch that is every event.
  let after: { tx: string; position: number } = { tx: snapshot?.throughTx ?? '0', position: 0 };
  while (types.length > 0) {
    const rows = await db
      .selectFrom('events')
      .selectAll()
      .select(sql<string>`tx_id::text`.as('tx'))
      .where('type', 'in', types)
      .where(sql<boolean>`(tx_id, position) > (${after.tx}::xid8, ${after.position}::bigint)`)
      .where('position', '<=', upTo)
      .orderBy(sql`tx_id`)
      .orderBy('position')
      .limit(batchSize)
      .execute();
    if (rows.length === 0) break;
    // One bundle per insert for a subscriber that takes them (its worker reads the events by position), as the relay sends.
    const events = rows.map(({ tx: _tx, ...r }) => toStoredEvent(r));
    await boss.insert(subscriber.name, jobsFor(events, !subscriber.external).map((data) => ({ data })));
    sent += rows.length;
    const last = rows[rows.length - 1]!;
    after = { tx: last.tx, position: Number(last.position) };
    options.onProgress?.(sent, total);
  }
  return {
    subscriber: subscriber.name,
    events: sent,
    upToPosition: upTo,
    fromSnapshot: snapshot ? { snapshotId: snapshot.snapshotId, throughTx: snapshot.throughTx, rows: snapshot.rowCount } : null,
  };
}
