import { sql } from 'kysely';
import type { Executor } from '../../db/connect.ts';
import type { EventsTable } from '../../db/tables/eventStoreTables.ts';
import type { Selectable } from 'kysely';
import { toStoredEvent } from '../appendEvents.ts';
import { readStoredEvent, type StoredEvent } from '../envelope.ts';
import { laterCursor, type FeedCursor } from './feedCursor.ts';

export type FeedFilter = { types?: readonly string[]; aggregateId?: string };
export type FeedEvent = { cursor: FeedCursor; event: StoredEvent };
/**
 * `nextCursor` is where the next page starts: past every event handed out and every one
 * the filter passed over. `heldBack`: committed events exist past the horizon, waiting
 * for an older transaction to end (a live reader looks again soon rather than at its poll).
 */
export type FeedPage = { events: FeedEvent[]; nextCursor: FeedCursor; heldBack: boolean };

type Row = Selectable<EventsTable> & { tx: string | null; horizon: string; held_back: boolean };

/**
 * One page of the event store in commit order, after `after`.
 *
 * Positions are taken when a transaction inserts and become visible when it commits,
 * so they are not commit order: position 10 may commit after 11. Each row carries the
 * id of the transaction that wrote it (events.tx_id); every transaction older than
 * `pg_snapshot_xmin(pg_current_snapshot())` has finished, so rows with such a tx_id
 * are all visible now and no new one can ever appear. Handing out only those, in
 * (tx_id, position) order, gives a cursor that nothing commits behind. The price: an
 * event waits until every transaction older than its own has ended (a long-running
 * transaction anywhere in the cluster holds the feed back for its duration).
 *
 * A page shorter than `limit` has read everything below the horizon, so its
 * nextCursor moves to the horizon itself: a filtered consumer does not scan the
 * same non-matching rows again.
 */
export async function readFeed(db: Executor, options: { after: FeedCursor; limit: number; filter?: FeedFilter }): Promise<FeedPage> {
  const { after, limit, filter = {} } = options;
  const types = filter.types && filter.types.length > 0 ? sql`AND ev.type = ANY(${[...filter.types]}::text[])` : sql``;
  const aggregate = filter.aggregateId !== undefined ? sql`AND ev.aggregate_id = ${filter.aggregateId}` : sql``;
  // One statement: the horizon and the rows come from the same snapshot.
  const { rows } = await sql<Row>`
    WITH h AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS horizon)
    SELECT h.horizon::text AS horizon, EXISTS (SELECT 1 FROM events WHERE tx_id >= h.horizon) AS held_back, e.*
    FROM h LEFT JOIN LATERAL (
      SELECT ev.*, ev.tx_id::text AS tx
      FROM events ev
      WHERE (ev.tx_id, ev.position) > (${after.tx.toString()}::xid8, ${after.position.toString()}::bigint)
        AND ev.tx_id < h.horizon
        ${types} ${aggregate}
      ORDER BY ev.tx_id, ev.position
      LIMIT ${limit}
    ) e ON true
    ORDER BY e.tx_id, e.position
  `.execute(db);
  const horizon: FeedCursor = { tx: BigInt(rows[0]!.horizon), position: 0n };
  const events = rows
    .filter((r) => r.tx !== null)
    .map((r) => ({ cursor: { tx: BigInt(r.tx!), position: BigInt(r.position) }, event: readStoredEvent(toStoredEvent(r)) }));
  const last = events.at(-1)?.cursor;
  const nextCursor = events.length === limit ? last! : laterCursor(after, horizon);
  return { events, nextCursor, heldBack: rows[0]!.held_back };
}

