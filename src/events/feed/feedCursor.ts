import { ValidationError } from '../../errors.ts';

/**
 * A place in the feed: every event whose (tx_id, position) is at or below it has been
 * handed out. Written `<tx_id>-<position>` (both decimal): opaque to clients, readable
 * in a log. `0-0` is the start.
 */
export type FeedCursor = { tx: bigint; position: bigint };

export const FEED_START: FeedCursor = { tx: 0n, position: 0n };

const FORMAT = /^(\d{1,20})-(\d{1,19})$/;
const MAX_TX = 2n ** 64n - 1n;
const MAX_POSITION = 2n ** 63n - 1n;

export function formatCursor(c: FeedCursor): string {
  return `${c.tx}-${c.position}`;
}

/** Parses a cursor from a client (query, Last-Event-ID) or a table; ValidationError names `field`. */
export function parseCursor(text: string, field = 'after'): FeedCursor {
  const m = FORMAT.exec(text);
  const cursor = m ? { tx: BigInt(m[1]!), position: BigInt(m[2]!) } : undefined;
  // xid8 and bigint bounds: past them the database would refuse the cast (a 500).
  if (!cursor || cursor.tx > MAX_TX || cursor.position > MAX_POSITION) {
    throw new ValidationError(`${field} is not a feed cursor`, [{ field, message: 'expected a cursor from nextCursor or an SSE id, e.g. 7421-1830' }]);
  }
  return cursor;
}

export function compareCursors(a: FeedCursor, b: FeedCursor): number {
  if (a.tx !== b.tx) return a.tx < b.tx ? -1 : 1;
  if (a.position !== b.position) return a.position < b.position ? -1 : 1;
  return 0;
}

export function laterCursor(a: FeedCursor, b: FeedCursor): FeedCursor {
  return compareCursors(a, b) >= 0 ? a : b;
}
