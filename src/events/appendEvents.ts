import { uuidv7 } from 'uuidv7';
import type { Executor } from '../db/connect.ts';
import { InvariantError } from '../errors.ts';
import { eventTypes, type EventType } from './eventTypes.ts';
import { parseEventData, type StoredEvent } from './envelope.ts';

/** Who and what caused a write: stored on every event of the call. */
export type EventContext = {
  correlationId: string;
  causationId?: string | null;
  traceparent?: string | null;
  actor: string;
};

export type NewEvent<T extends EventType = EventType> = {
  type: T;
  aggregateId: string;
  aggregateVersion?: number | null;
  /** Business date, 'YYYY-MM-DD'. */
  occurredAt: string;
  data: unknown;
  /** api (default) | import | system | a subscriber's name. */
  source?: string;
  /** The id the sending system gave the event; (source, externalId) is unique. */
  externalId?: string | null;
  /** Overrides the context's causation for this event (e.g. the invoice event a revenue event follows). */
  causationId?: string | null;
  /** Override the context's correlation and trace for this event (one call writing the follow-ups of many requests). */
  correlationId?: string;
  traceparent?: string | null;
};

export type AppendResult = { event: StoredEvent; inserted: boolean };

/**
 * Validates each payload against its contract (ValidationError names the field) and
 * builds the `events` rows. appendEvents uses it; a command that writes its state
 * and events in one SQL statement (see invoices/insertInvoiceWithEvents.ts) too.
 */
export function toEventRows(events: NewEvent[], ctx: EventContext) {
  return events.map((e, i) => {
    const data = parseEventData(e.type, e.data, events.length > 1 ? [i, 'data'] : ['data']);
    return {
      event_id: uuidv7(),
      type: e.type,
      schema_version: eventTypes[e.type].schemaVersion,
      aggregate_type: eventTypes[e.type].aggregateType,
      aggregate_id: e.aggregateId,
      aggregate_version: e.aggregateVersion ?? null,
      occurred_at: e.occurredAt,
      correlation_id: e.correlationId ?? ctx.correlationId,
      causation_id: e.causationId !== undefined ? e.causationId : (ctx.causationId ?? null),
      traceparent: e.traceparent !== undefined ? e.traceparent : (ctx.traceparent ?? null),
      actor: ctx.actor,
      source: e.source ?? 'api',
      external_id: e.externalId ?? null,
      data: JSON.stringify(data),
    };
  });
}

/**
 * Appends events to the event store and the outbox in one statement, inside the
 * caller's transaction. Payloads are validated first (ValidationError names the
 * field). An event whose (source, externalId) is already stored is not written
 * again: the stored one is returned with inserted = false.
 */
export async function appendEvents(db: Executor, events: NewEvent[], ctx: EventContext): Promise<AppendResult[]> {
  if (events.length === 0) return [];
  const rows = toEventRows(events, ctx);

  const inserted = await db
    .with('ins', (q) =>
      q
        .insertInto('events')
        .values(rows)
        .onConflict((oc) => oc.columns(['source', 'external_id']).where('external_id', 'is not', null).doNothing())
        .returningAll(),
    )
    .with('ob', (q) => q.insertInto('outbox').columns(['position']).expression((eb) => eb.selectFrom('ins').select('ins.position')))
    .selectFrom('ins')
    .selectAll()
    .execute();

  const byEventId = new Map(inserted.map((r) => [r.event_id, r]));
  const results: AppendResult[] = [];
  const missing: { index: number; source: string; externalId: string }[] = [];
  rows.forEach((row, index) => {
    const stored = byEventId.get(row.event_id);
    if (stored) results[index] = { event: toStoredEvent(stored), inserted: true };
    else missing.push({ index, source: row.source, externalId: row.external_id! });
  });
  if (missing.length > 0) {
    const existing = await db
      .selectFrom('events')
      .selectAll()
      .where((eb) => eb.or(missing.map((m) => eb.and([eb('source', '=', m.source), eb('external_id', '=', m.externalId)]))))
      .execute();
    for (const m of missing) {
      const row = existing.find((r) => r.source === m.source && r.external_id === m.externalId);
      if (!row) throw new InvariantError(`event ${m.externalId} neither inserted nor found`);
      results[m.index] = { event: toStoredEvent(row), inserted: false };
    }
  }
  return results;
}

type EventRow = {
  position: number;
  event_id: string;
  type: string;
  schema_version: number;
  aggregate_type: string;
  aggregate_id: string;
  aggregate_version: number | null;
  occurred_at: string;
  recorded_at: Date;
  correlation_id: string;
  causation_id: string | null;
  traceparent: string | null;
  actor: string;
  source: string;
  external_id: string | null;
  data: unknown;
};

export function toStoredEvent(row: EventRow): StoredEvent {
  return {
    position: Number(row.position),
    eventId: row.event_id,
    type: row.type as EventType,
    schemaVersion: row.schema_version,
    aggregateType: row.aggregate_type,
    aggregateId: row.aggregate_id,
    aggregateVersion: row.aggregate_version,
    occurredAt: row.occurred_at,
    recordedAt: new Date(row.recorded_at).toISOString(),
    correlationId: row.correlation_id,
    causationId: row.causation_id,
    traceparent: row.traceparent,
    actor: row.actor,
    source: row.source,
    externalId: row.external_id,
    data: row.data as StoredEvent['data'],
  };
}

/** Reads one aggregate's stream in order (audit, rebuilds, tests). */
export async function readStream(db: Executor, aggregateType: string, aggregateId: string): Promise<StoredEvent[]> {
  const rows = await db
    .selectFrom('events')
    .selectAll()
    .where('aggregate_type', '=', aggregateType)
    .where('aggregate_id', '=', aggregateId)
    .orderBy('position')
    .execute();
  return rows.map(toStoredEvent);
}

