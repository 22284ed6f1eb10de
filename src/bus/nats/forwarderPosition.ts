import { sql } from 'kysely';
import { joinEventById } from '../../events/appendEvents.ts';
import type { Executor } from '../../db/connect.ts';
import { FEED_START, formatCursor, parseCursor, type FeedCursor } from '../../events/feed/feedCursor.ts';

/** Where forwarder `name` has got to in the feed (event_forwarders, migration 090); the start when it never ran. */
export async function readForwarderPosition(db: Executor, name: string): Promise<FeedCursor> {
  const row = await db.selectFrom('event_forwarders').select('feed_cursor').where('name', '=', name).executeTakeFirst();
  return row ? parseCursor(row.feed_cursor, 'event_forwarders.feed_cursor') : FEED_START;
}

/** Records that every event up to `cursor` was handed on (`count` more of them). One forwarder per name runs at a time. */
export async function recordForwarderPosition(db: Executor, name: string, cursor: FeedCursor, count: number): Promise<void> {
  await sql`
    INSERT INTO event_forwarders (name, feed_cursor, forwarded) VALUES (${name}, ${formatCursor(cursor)}, ${count})
    ON CONFLICT (name) DO UPDATE SET feed_cursor = EXCLUDED.feed_cursor,
      forwarded = event_forwarders.forwarded + EXCLUDED.forwarded, updated_at = clock_timestamp()
  `.execute(db);
}

/** The feed cursor of a stored event (the forwarder's recovery from its destination's last message); undefined if unknown. */
export async function cursorOfEvent(db: Executor, eventId: string): Promise<FeedCursor | undefined> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(eventId)) return undefined;
  const { rows } = await sql<{ tx: string; position: string }>`
    SELECT e.tx_id::text AS tx, e.position FROM (SELECT ${eventId}::uuid AS id) wanted ${joinEventById(sql.ref('wanted.id'), 'e')}`.execute(db);
  const row = rows[0];
  return row ? { tx: BigInt(row.tx), position: BigInt(row.position) } : undefined;
}
