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
    // Claim + delete + read in one round trip.
    const { rows } = await sql<EventRow>`
      WITH claimed AS (
        SELECT position FROM outbox ORDER BY position LIMIT ${batchSize} FOR UPDATE SKIP LOCKED
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
