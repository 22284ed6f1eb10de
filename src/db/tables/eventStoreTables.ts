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

export interface EventStoreTables {
  events: EventsTable;
  outbox: OutboxTable;
}
