import { sql, type CompiledQuery, type RawBuilder, type Selectable } from 'kysely';
import { uuidv7 } from '../values/uuidv7.ts';
import type { Executor } from '../db/connect.ts';
import { arrayLiteral, unnestArrays, unnestRows, type UnnestArrays, type UnnestColumn } from '../db/unnestRows.ts';
import { preparedStatement } from '../db/preparedStatements.ts';
import { OUTBOX_ROWS } from '../db/wakeRelay.ts';
import { InvariantError } from '../errors.ts';
import type { EventsTable } from '../db/tables/eventStoreTables.ts';
import { eventTypes, RELAYED_WHEN_SUBSCRIBED, type EventType } from './eventTypes.ts';
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
 * and events in one SQL statement (insertInvoiceWithEvents in invoices/invoiceRepository.ts) too.
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
 * appendEvents for a large set whose stored rows the caller does not read back (the
 * daily recognition run appends tens of thousands): the same validation and the same
 * statement, returning only how many events were written.
 */
export async function appendEventSet(db: Executor, events: NewEvent[], ctx: EventContext): Promise<number> {
  if (events.length === 0) return 0;
  const { rows } = await insertEventRows<{ position: number }>(db, toEventRows(events, ctx), 'positions');
  return rows.length;
}

/**
 * Appends events to the event store and the outbox (see insertEventsCtes for which
 * events get an outbox row) in one statement, inside the caller's transaction. Payloads are validated first (ValidationError names the
 * field). An event whose (source, externalId) is already stored is not written
 * again: the stored one is returned with inserted = false.
 */
export async function appendEvents(db: Executor, events: NewEvent[], ctx: EventContext): Promise<AppendResult[]> {
  if (events.length === 0) return [];
  const rows = toEventRows(events, ctx);

  const { rows: inserted } = await insertEventRows<EventRow>(db, rows, 'all');

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

/**
 * Inserts validated rows into events and the outbox in one statement. One array
 * parameter per column however many events (a statement carries at most 65,535 bind
 * parameters); WITH ORDINALITY keeps positions in the order given.
 */
function insertEventRows<R>(db: Executor, rows: ReturnType<typeof toEventRows>, returning: 'all' | 'positions'): Promise<{ rows: R[] }> {
  const statement = returning === 'all' ? appendStatement : appendSetStatement;
  return statement(db, eventRowParams(rows)).then((r) => ({ rows: r as R[] }));
}

/**
 * The append statement, parsed and planned once per connection on pools made by
 * connect() (preparedStatement): its text does not change with the number of events
 * (a typed array per column), and its plan reads no table by the arrays' values (it
 * inserts them; `ext` and `ob` probe keys), so a generic plan is the custom one. Planned
 * per call, an append of one event (as the API's commands and the e2e figure's producer
 * write) took about twice the backend CPU (docs/performance.md, tenth step (a)).
 */
const appendStatement = preparedStatement('append_events', (db, p: EventRowParams) => ({ compile: () => appendQuery(db, p) }));
const appendSetStatement = preparedStatement('append_event_set', (db, p: EventRowParams) => ({ compile: () => appendSql<{ position: number }>(p, sql`position, type`).compile(db) }));

/** appendEvents' statement compiled, for a caller that sends it itself (the bench's producer, bench/lib/appendProducer.ts). */
export function appendQuery(db: Executor, p: EventRowParams): CompiledQuery<EventRow> {
  return appendSql<EventRow>(p, sql`*`).compile(db);
}

/** The append of the rows `p` holds, returning `returning` of each inserted event. */
function appendSql<R>(p: EventRowParams, returning: RawBuilder<unknown>): RawBuilder<R> {
  return sql<R>`WITH ${insertEventsCtes(eventRowsSource(p), returning)} SELECT * FROM ins`;
}

type EventRowValues = ReturnType<typeof toEventRows>[number];

const EVENT_ROW_COLUMNS: UnnestColumn<EventRowValues>[] = [
  ['event_id', 'uuid'], ['type', 'text'], ['schema_version', 'int'], ['aggregate_type', 'text'], ['aggregate_id', 'text'],
  ['aggregate_version', 'int'], ['occurred_at', 'date'], ['correlation_id', 'text'], ['causation_id', 'text'], ['traceparent', 'text'],
  ['actor', 'text'], ['source', 'text'], ['external_id', 'text'],
];

/** eventRowsSource's parameters: the rows' columns as typed arrays and their payloads as one jsonb array text. */
export type EventRowParams = { columns: UnnestArrays<EventRowValues>; payloads: string };

/** toEventRows' rows as eventRowsSource's parameters. */
export function eventRowParams(rows: ReturnType<typeof toEventRows>): EventRowParams {
  return { columns: unnestArrays(rows, EVENT_ROW_COLUMNS), payloads: `[${rows.map((r) => r.data).join(',')}]` };
}

/**
 * Event rows (eventRowParams) as a query, with their order as `ordinality`: the source
 * insertEventsCtes takes, or the base of one that rewrites a column first. A typed
 * array per column (unnestRows), and the payloads as one jsonb array, each row's `data`
 * its element (jsonb): parsed once, with no escaping of JSON inside an array literal.
 */
export function eventRowsSource(p: EventRowParams): RawBuilder<unknown> {
  return sql`SELECT x.*, (${p.payloads}::jsonb) -> (x.ordinality::int - 1) AS data FROM ${unnestRows(p.columns, EVENT_ROW_COLUMNS, 'x')}`;
}

/**
 * The one append path into events + outbox, as CTEs for a statement of the caller's:
 * `ext` claims each (source, externalId) in event_external_ids (migration 132; a key
 * already stored, or twice in this call, is skipped as ON CONFLICT on events once did),
 * `ins` inserts the rows `source` yields (the columns of eventRowsSource, `data` as
 * text or jsonb, in `ordinality` order) without an external id or whose key `ext` claimed, and
 * returns `returning` (which must include position and type); `ob` adds their outbox
 * rows and returns their positions (countOutboxRows reports how many). A writer that puts other rows in the same round trip (the revenue postings)
 * adds its CTEs beside these. events_record_keys (a statement trigger) fills event_keys.
 *
 * Which events get an outbox row: every event, except one of a type in
 * RELAYED_WHEN_SUBSCRIBED (the revenue events, ~0.36 per invoice event) that no row of
 * `subscriptions` takes when this statement runs. By default nothing takes revenue
 * events (a webhook endpoint that names them does), and their outbox rows were 27 % of
 * the relay's claims, each inserted, key-checked, claimed and deleted for no job. The
 * rule, for those types: an event is relayed to the subscriptions that exist when it
 * is written; one written earlier is not, as an event the relay had already moved when
 * a subscription came was not. No race in between: this statement reads
 * `subscriptions` (ACCESS SHARE, held to its transaction's end), and
 * registerSubscriptions adds a first subscription for such a type under ACCESS
 * EXCLUSIVE, so it waits for every writer that read the table without it to commit,
 * and a writer that comes while it holds the lock waits and then reads the table anew
 * (READ COMMITTED takes a statement's snapshot after its table locks). Every other type
 * keeps its outbox row whatever `subscriptions` holds: the API and imports may write
 * before any worker or relay has registered, and the relay routes those when it claims
 * them (it reads the table then).
 */
export function insertEventsCtes(source: RawBuilder<unknown>, returning: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`new_events AS MATERIALIZED (
      SELECT * FROM (${source}) AS x
    ), ext AS (
      INSERT INTO event_external_ids (source, external_id, event_id)
      SELECT source, external_id, event_id FROM new_events WHERE external_id IS NOT NULL ORDER BY ordinality
      ON CONFLICT DO NOTHING
      RETURNING event_id
    ), ins AS (
      INSERT INTO events (event_id, type, schema_version, aggregate_type, aggregate_id, aggregate_version, occurred_at,
                          correlation_id, causation_id, traceparent, actor, source, external_id, data)
      SELECT event_id, type, schema_version, aggregate_type, aggregate_id, aggregate_version, occurred_at,
             correlation_id, causation_id, traceparent, actor, source, external_id, data::jsonb
      FROM new_events AS x
      WHERE x.external_id IS NULL OR x.event_id IN (SELECT event_id FROM ext)
      ORDER BY x.ordinality
      RETURNING ${returning}
    ), ob AS (
      INSERT INTO outbox (position)
      SELECT i.position FROM ins AS i
      WHERE i.type <> ALL(${sql.lit(`{${RELAYED_WHEN_SUBSCRIBED.join(',')}}`)}::text[])
         OR i.type IN (SELECT event_type FROM subscriptions)
      RETURNING position
    )`;
}

/**
 * The final SELECT of a statement built on insertEventsCtes that reports how many outbox
 * rows its `ob` added, as the column db/wakeRelay.ts reads (OUTBOX_ROWS, addedOutboxRows):
 * a writer whose events may get none (the revenue postings) wakes the relay only if some.
 */
export const countOutboxRows: RawBuilder<unknown> = sql`SELECT count(*) AS ${sql.raw(OUTBOX_ROWS)} FROM ob`;

type EventRow = Omit<Selectable<EventsTable>, 'tx_id'>;

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
    // pg gives a Date (one per event the relay and the worker read): no copy of it.
    recordedAt: (row.recorded_at instanceof Date ? row.recorded_at : new Date(row.recorded_at)).toISOString(),
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


/**
 * The stored events at `positions`, in position order (a bundle job's events:
 * src/bus/queues/eventBundle.ts). Events are never changed or deleted, so a position
 * read later gives the event the relay saw. `recorded` (a bundle's span of recorded_at):
 * read them by their full key from the partitions of that span first (eventsInSpanQuery).
 * `recentFrom` (recentEventsFrom): then read those not found yet through event_keys among
 * the events recorded since that day, from the partitions Postgres keeps when it plans
 * the statement; and any still missing in a last statement over every partition. A
 * span or a day that misses an event costs a statement, never the event.
 */
export async function readEventsAt(
  db: Executor,
  positions: readonly number[],
  options: { recentFrom?: string; recorded?: { from: string; before: string } } = {},
): Promise<StoredEvent[]> {
  const found: StoredEvent[] = [];
  let missing = [...new Set(positions)];
  const readMissing = async (read: (wanted: readonly number[]) => Promise<EventRow[]>) => {
    if (missing.length === 0) return;
    const rows = await read(missing);
    for (const row of rows) found.push(toStoredEvent(row));
    if (rows.length === 0) return;
    const have = new Set(found.map((e) => e.position));
    missing = missing.filter((p) => !have.has(p));
  };
  const { recorded, recentFrom } = options;
  if (recorded !== undefined) await readMissing((wanted) => eventsInSpanQuery(wanted, recorded).execute(db).then((r) => r.rows));
  if (recentFrom !== undefined) await readMissing((wanted) => eventsByKey(db, wanted, recentFrom));
  await readMissing((wanted) => eventsByKey(db, wanted));
  return found.sort((a, b) => a.position - b.position);
}

/**
 * readEventsAt's statement for events whose span of recorded_at is known (a bundle's):
 * by their full key (position, recorded_at), from the partitions of the span only
 * (pruned when it is planned; a drain's bundle spans seconds, one partition; a span
 * wider than a day is not used, recordedSpanOf), in one scan of events_pkey for all the
 * positions. No event_keys probe per position: that join was ~20 µs of server time an
 * event in the revenue drain (docs/performance.md, eleventh step (b)). A narrow span keeps
 * the planner on the index whatever the statistics: it estimates its rows as a handful.
 */
export function eventsInSpanQuery(positions: readonly number[], recorded: { from: string; before: string }): RawBuilder<EventRow> {
  return sql<EventRow>`
    SELECT * FROM events e
    WHERE e.position = ANY(${arrayLiteral(positions)}::bigint[]) AND e.recorded_at >= ${new Date(recorded.from)} AND e.recorded_at < ${new Date(recorded.before)}
    ORDER BY e.position`;
}

/**
 * readEventsAt's statement for the others. Through event_keys, which knows each position's recorded_at: each event is read by its
 * full key from its own month's partition (pruned as the statement runs; the LATERAL ...
 * OFFSET 0 keeps the planner from probing every partition per position), and with
 * `from`, only among the partitions from that day on (pruned when it is planned).
 */
export function eventsAtQuery(positions: readonly number[], from?: string): RawBuilder<EventRow> {
  // A timestamptz parameter (not a date cast, which is only stable): a constant the planner prunes by.
  const since = from === undefined ? sql`` : sql`AND e.recorded_at >= ${new Date(`${from}T00:00:00Z`)}`;
  return sql<EventRow>`
    SELECT e.* FROM event_keys k
    CROSS JOIN LATERAL (SELECT * FROM events e WHERE e.position = k.position AND e.recorded_at = k.recorded_at ${since} OFFSET 0) e
    WHERE k.position = ANY(${arrayLiteral(positions)}::bigint[])
    ORDER BY e.position`;
}

const eventsByKey = (db: Executor, positions: readonly number[], from?: string) => eventsAtQuery(positions, from).execute(db).then((r) => r.rows);

/**
 * A join for a statement that reads events by id: `alias` is the stored event whose id is
 * `id` (a uuid expression over the rows before it); none, no row. event_keys gives the id's
 * position and month, then the event is read by its full key from its own partition
 * (events_event_id would be probed in every month's partition: 121 buffers against 7 with
 * 63 partitions). The LATERAL ... OFFSET 0 keep that order and those access paths, as the
 * relay's claim does. The one place the lookup is written (imports, notices, webhooks, the
 * forwarder, readEventById).
 */
export function joinEventById(id: RawBuilder<unknown>, alias: string): RawBuilder<unknown> {
  const key = sql.id(`${alias}_key`);
  return sql`CROSS JOIN LATERAL (SELECT k.position, k.recorded_at FROM event_keys k WHERE k.event_id = ${id} OFFSET 0) ${key}
    CROSS JOIN LATERAL (SELECT * FROM events e WHERE e.position = ${key}.position AND e.recorded_at = ${key}.recorded_at OFFSET 0) ${sql.id(alias)}`;
}

/** The stored event with id `eventId`, or undefined (joinEventById). */
export async function readEventById(db: Executor, eventId: string): Promise<StoredEvent | undefined> {
  const { rows } = await sql<EventRow>`SELECT e.* FROM (SELECT ${eventId}::uuid AS id) wanted ${joinEventById(sql.ref('wanted.id'), 'e')}`.execute(db);
  return rows[0] && toStoredEvent(rows[0]);
}
