import type { ColumnType } from 'kysely';

// Tables of the event feed and its forwarders: migration 090.
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface EventForwardersTable {
  name: string;
  feed_cursor: string;
  forwarded: ColumnType<number, number | undefined, number>;
  updated_at: Timestamp;
}

export interface FeedTables {
  event_forwarders: EventForwardersTable;
}
