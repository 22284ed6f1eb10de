import type { ColumnType, Generated } from 'kysely';

export interface EventsTable {
  position: Generated<number>;
  event_id: string;
  type: string;
  schema_version: number;
  aggregate_type: string;
  aggregate_id: string;
  aggregate_version: number | null;
  occurred_at: string;
  recorded_at: ColumnType<Date, Date | string | undefined, never>;
  correlation_id: string;
  causation_id: string | null;
  traceparent: string | null;
  actor: string;
  source: string;
  external_id: string | null;
  data: ColumnType<unknown, string, never>;
  tx_id: ColumnType<string, never, never>;
}

export interface OutboxTable {
  position: number;
  recorded_at: ColumnType<Date, Date | string | undefined, never>;
}

/** Kept by a trigger on events (migration 132): unique position and event id across partitions. */
export interface EventKeysTable {
  position: number;
  event_id: string;
  recorded_at: Date;
}

/** The idempotency key of imported events, claimed by the append path (migration 132). */
export interface EventExternalIdsTable {
  source: string;
  external_id: string;
  event_id: string;
}

export interface EventStoreTables {
  events: EventsTable;
  outbox: OutboxTable;
  event_keys: EventKeysTable;
  event_external_ids: EventExternalIdsTable;
}
