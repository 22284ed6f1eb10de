import { sql } from 'kysely';
import type { Executor } from '../../db/connect.ts';
import type { Subscriber } from '../contract/subscriber.ts';
import { inboxLockKey } from '../worker/inboxAndFailures.ts';
import { InvariantError } from '../../errors.ts';
import { copyOf, copyShapes, copyTable, restoreTable } from './snapshotCopies.ts';

export type ProjectionSnapshot = { snapshotId: number; subscriber: string; schemaVersion: number; throughTx: string; headPosition: number; rowCount: number };

type Snapshotted = Subscriber & { snapshot: NonNullable<Subscriber['snapshot']> };

export function takesSnapshots(subscriber: Subscriber): subscriber is Snapshotted {
  return subscriber.snapshot !== undefined && subscriber.reset !== undefined;
}

/** The newest snapshot of the subscriber's current schema version, or null. */
export async function latestSnapshot(db: Executor, subscriber: Snapshotted): Promise<ProjectionSnapshot | null> {
  const row = await db
    .selectFrom('projection_snapshots')
    .select(['snapshot_id', 'subscriber', 'schema_version', sql<string>`through_tx::text`.as('through_tx'), 'head_position', 'row_count'])
    .where('subscriber', '=', subscriber.name)
    .where('schema_version', '=', subscriber.snapshot.schemaVersion)
    .orderBy('snapshot_id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row
    ? { snapshotId: row.snapshot_id, subscriber: row.subscriber, schemaVersion: row.schema_version, throughTx: row.through_tx, headPosition: Number(row.head_position), rowCount: Number(row.row_count) }
    : null;
}

/**
 * Copies the subscriber's tables into their typed copies (snapshotCopies.ts) as a new
 * snapshot, in the caller's transaction, holding its inbox lock exclusively (batches in
 * flight finish first, new ones wait, as for rebuild). The snapshot's point is the oldest transaction still running
 * (pg_snapshot_xmin: every older event is committed and visible here), or, when an
 * event of its types older than that has no inbox row yet (in flight, or failed into
 * the archive), that event's transaction: the snapshot then holds exactly every event
 * before its point, plus possibly some after (harmless for a subscriber that declares
 * snapshots). The check reads only the events since the previous snapshot. Older
 * snapshots of the subscriber are deleted. Returns null when no event of its types
 * passed since the previous snapshot's point.
 */
export async function takeProjectionSnapshot(db: Executor, subscriber: Snapshotted, options: { inboxKeptSince?: Date } = {}): Promise<ProjectionSnapshot | null> {
  // Events recorded before the retention cutoff may have lost their inbox row to
  // pruning (pruneBookkeeping): they count as applied, not as a gap.
  const keptSince = options.inboxKeptSince ?? new Date(0);
  await sql`SELECT pg_advisory_xact_lock(${inboxLockKey(subscriber.name)})`.execute(db);
  const previous = await latestSnapshot(db, subscriber);
  const from = previous?.throughTx ?? '0';
  const types = [...subscriber.eventTypes];
  const { rows } = await sql<{ through: string; head: number | null; moved: boolean }>`
    WITH h AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin),
    gap AS (
      SELECT min(e.tx_id) AS tx FROM events e, h
      WHERE e.tx_id >= ${from}::xid8 AND e.tx_id < h.xmin AND e.type = ANY(${types}::text[]) AND e.recorded_at >= ${keptSince}
        AND NOT EXISTS (SELECT 1 FROM inbox i WHERE i.subscriber = ${subscriber.name} AND i.event_id = e.event_id)
    ), point AS (SELECT coalesce(gap.tx, h.xmin) AS through FROM h, gap)
    SELECT point.through::text AS through, (SELECT max(position) FROM events) AS head,
           EXISTS (SELECT 1 FROM events e WHERE e.tx_id >= ${from}::xid8 AND e.tx_id < point.through AND e.type = ANY(${types}::text[])) AS moved
    FROM point`.execute(db);
  const through = rows[0]!.through;
  // No event of its types between the previous point and this one: the same snapshot.
  if (previous && !rows[0]!.moved) return null;
  const shapes = await copyShapes(db, subscriber.snapshot.tables);
  const stale = shapes.filter((s) => !s.matches).map((s) => s.table);
  if (stale.length > 0) throw new InvariantError(`projection snapshot of ${subscriber.name}: ${stale.map(copyOf).join(', ')} must have the columns of ${stale.join(', ')} and a primary key (migration 140)`);
  const created = await db
    .insertInto('projection_snapshots')
    .values({ subscriber: subscriber.name, schema_version: subscriber.snapshot.schemaVersion, through_tx: through, head_position: Number(rows[0]!.head ?? 0), row_count: 0 })
    .returning('snapshot_id')
    .executeTakeFirstOrThrow();
  let rowCount = 0;
  for (const table of subscriber.snapshot.tables) rowCount += await copyTable(db, table);
  await db.updateTable('projection_snapshots').set({ row_count: rowCount }).where('snapshot_id', '=', created.snapshot_id).execute();
  await db.deleteFrom('projection_snapshots').where('subscriber', '=', subscriber.name).where('snapshot_id', '<', created.snapshot_id).execute();
  return { snapshotId: created.snapshot_id, subscriber: subscriber.name, schemaVersion: subscriber.snapshot.schemaVersion, throughTx: through, headPosition: Number(rows[0]!.head ?? 0), rowCount };
}

/**
 * Makes the subscriber's tables hold exactly the snapshot's rows (in the caller's
 * transaction, instead of its reset: see restoreTable, which writes only the rows
 * that changed since) and forgets the inbox rows of the events after its point, which
 * the rebuild then feeds again. Returns false, having changed nothing, when a table's
 * copy no longer matches it: the rebuild then starts from scratch.
 */
export async function restoreProjectionSnapshot(db: Executor, subscriber: Snapshotted, snapshot: ProjectionSnapshot): Promise<boolean> {
  const shapes = await copyShapes(db, subscriber.snapshot.tables);
  if (shapes.some((s) => !s.matches)) return false;
  // Children first would matter only with foreign keys between them; analytics has none.
  for (const shape of shapes) await restoreTable(db, shape);
  await sql`
    DELETE FROM inbox WHERE subscriber = ${subscriber.name} AND event_id IN (
      SELECT event_id FROM events WHERE tx_id >= ${snapshot.throughTx}::xid8 AND type = ANY(${[...subscriber.eventTypes]}::text[]))`.execute(db);
  return true;
}
