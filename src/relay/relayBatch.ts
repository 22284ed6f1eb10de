import { sql } from 'kysely';
import { fromKysely, type PgBoss } from 'pg-boss';
import type { Db } from '../db/connect.ts';
import { toStoredEvent } from '../events/appendEvents.ts';
import { routeEvents, type Routes } from './routes.ts';

type EventRow = Parameters<typeof toStoredEvent>[0];

/**
 * Moves up to `batchSize` committed events from the outbox into one pg-boss job per
 * (event, subscriber), in one transaction: the claimed outbox rows are deleted and
 * the jobs inserted together, or neither. Rows are claimed in position order with
 * FOR UPDATE SKIP LOCKED, so any number of relays split the backlog without waiting
 * on each other, and a row whose transaction commits late is simply claimed later
 * (an uncommitted row is invisible; no id cursor can skip it).
 * Returns how many events were moved.
 */
export async function relayBatch(db: Db, boss: PgBoss, routes: Routes, batchSize: number): Promise<number> {
  return db.transaction().execute(async (tx) => {
    // Claim + delete + read in one round trip. The relay's commit need not wait for its
    // WAL flush (synchronous_commit off, ~1 fsync saved per batch): it only moves facts
    // already durable in `events`; a crash before the flush undoes the whole batch
    // (rows back in the outbox, jobs gone), and any worker commit acting on its jobs is
    // flushed after it, making it durable first.
    const { rows } = await sql<EventRow>`
      WITH async_commit AS (SELECT set_config('synchronous_commit', 'off', true)),
      claimed AS (
        SELECT position FROM outbox, async_commit ORDER BY position LIMIT ${batchSize} FOR UPDATE OF outbox SKIP LOCKED
      ), deleted AS (
        DELETE FROM outbox o USING claimed c WHERE o.position = c.position RETURNING o.position
      )
      SELECT e.* FROM events e JOIN deleted d ON d.position = e.position ORDER BY e.position`.execute(tx);
    if (rows.length === 0) return 0;
    const events = rows.map(toStoredEvent);
    const bossDb = fromKysely(tx);
    for (const [queue, queued] of routeEvents(routes, events)) {
      await boss.insert(queue, queued.map((event) => ({ data: event })), { db: bossDb });
    }
    return rows.length;
  });
}
