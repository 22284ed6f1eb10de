import { sql } from 'kysely';
import type { SubscriberContext } from '../../bus/contract/subscriber.ts';
import type { Executor } from '../../db/connect.ts';
import { INVOICE_BOOK_EVENT_TYPES, type EventData, type EventType } from '../../events/eventTypes.ts';
import type { StoredEvent } from '../../events/envelope.ts';
import { totals as invoiceAmounts } from '../../invoices/invoice.ts';

// The book events and the overdue flag (aging): a reminder changes no figure.
export const ANALYTICS_EVENT_TYPES = [...INVOICE_BOOK_EVENT_TYPES, 'InvoiceOverdue'] as const satisfies readonly EventType[];

/**
 * Keeps per-invoice facts for the aggregates of migration 033 (analytics_monthly,
 * analytics_aging). Every write commutes or is version-checked, so any delivery
 * order gives the same rows; exact repeats are dropped by the worker's inbox and
 * would change nothing anyway. `reset` clears it for `accrue rebuild analytics`
 * (the bus's optional Subscriber.reset; the object is a Subscriber).
 */
export const analyticsSubscriber = {
  name: 'analytics',
  eventTypes: ANALYTICS_EVENT_TYPES,
  // Writes only its own tables through ctx.db: a relay may apply it.
  appliesInRelay: true,
  async handle(event: StoredEvent, { db }: SubscriberContext): Promise<void> {
    await applyToAnalytics(db, [event]);
  },
  // A worker batch of 500 events in a few statements, not one each.
  async handleBatch(events: readonly StoredEvent[], { db }: SubscriberContext): Promise<void> {
    await applyToAnalytics(db, events);
  },
  reset: (db: Executor) => resetAnalytics(db),
  // Every write commutes or is version-checked, so a snapshot that already holds some
  // of the events replayed after it gives the same rows (Subscriber.snapshot).
  snapshot: { schemaVersion: 1, tables: ['analytics_invoices', 'analytics_payments'] as const },
};

/**
 * Applies events to the analytics facts with one statement per kind of write (issue
 * state, payments, voids, overdue flags) for each "wave": the first event of every
 * invoice in the list, then the second, and so on. An INSERT ... ON CONFLICT DO UPDATE
 * may touch a row only once, and within a wave each invoice has one event. Every write
 * commutes or is version-checked, so applying wave by wave gives the rows one-by-one
 * delivery in any order gives.
 */
export async function applyToAnalytics(db: Executor, events: readonly StoredEvent[]): Promise<void> {
  for (const wave of wavesByInvoice(events)) {
    const of = <T extends EventType>(...types: T[]) => wave.filter((e): e is StoredEvent<T> => (types as EventType[]).includes(e.type));
    await applyStates(db, of('InvoiceCreated'), true);
    await applyStates(db, of('InvoiceUpdated'), false);
    await applyPayments(db, of('InvoicePaymentReceived', 'InvoicePaid'));
    await applyVoids(db, of('InvoiceVoided', 'InvoiceDeleted'));
    await applyOverdue(db, of('InvoiceOverdue'));
  }
}

/** The i-th wave holds the i-th event (in list order) of every invoice that has one. */
function wavesByInvoice(events: readonly StoredEvent[]): StoredEvent[][] {
  const seen = new Map<string, number>();
  const waves: StoredEvent[][] = [];
  for (const event of events) {
    const i = seen.get(event.aggregateId) ?? 0;
    seen.set(event.aggregateId, i + 1);
    (waves[i] ??= []).push(event);
  }
  return waves;
}

const recordset = (rows: object[]) => sql`jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)`;

/**
 * The state of the newest (version, position) wins; an older event only fills
 * what is still unknown (an update may omit dueDate and customerId). The issue date
 * is InvoiceCreated's (issuedAt, else its business date) whenever it arrives.
 * Events without a version count as version 1: the position orders them.
 */
async function applyStates(db: Executor, events: readonly StoredEvent<'InvoiceCreated' | 'InvoiceUpdated'>[], created: boolean): Promise<void> {
  if (events.length === 0) return;
  const rows = events.map((event) => {
    const data = event.data;
    const { total, tax } = invoiceAmounts(data.lines);
    return {
      invoice_id: event.aggregateId,
      customer_id: data.customerId ?? null,
      currency: data.currency,
      issued_on: data.issuedAt ?? (created ? event.occurredAt : null),
      due_date: data.dueDate ?? null,
      total,
      tax,
      version: event.aggregateVersion ?? 1,
      position: event.position,
    };
  });
  const newer = sql`(excluded.version, excluded.position) > (a.version, a.position)`;
  const pick = (column: string) =>
    sql`CASE WHEN ${newer} THEN COALESCE(excluded.${sql.ref(column)}, a.${sql.ref(column)})
             ELSE COALESCE(a.${sql.ref(column)}, excluded.${sql.ref(column)}) END`;
  await sql`
    INSERT INTO analytics_invoices AS a
      (invoice_id, customer_id, currency, issued_on, due_date, total, tax, version, position)
    SELECT invoice_id, customer_id, currency, issued_on, due_date, total, tax, version, position
    FROM ${recordset(rows)} AS x (invoice_id text, customer_id text, currency text, issued_on date, due_date date,
                                 total bigint, tax bigint, version int, position bigint)
    ON CONFLICT (invoice_id) DO UPDATE SET
      customer_id = ${pick('customer_id')},
      currency    = ${pick('currency')},
      due_date    = ${pick('due_date')},
      total       = CASE WHEN ${newer} OR a.total IS NULL THEN excluded.total ELSE a.total END,
      tax         = CASE WHEN ${newer} OR a.tax IS NULL THEN excluded.tax ELSE a.tax END,
      issued_on   = ${created ? sql`COALESCE(excluded.issued_on, a.issued_on)` : pick('issued_on')},
      version     = CASE WHEN ${newer} THEN excluded.version ELSE a.version END,
      position    = CASE WHEN ${newer} THEN excluded.position ELSE a.position END,
      updated_at  = now()
  `.execute(db);
}

async function applyPayments(db: Executor, events: readonly StoredEvent<'InvoicePaymentReceived' | 'InvoicePaid'>[]): Promise<void> {
  if (events.length === 0) return;
  const rows = events.map((event) => {
    const data = event.data as EventData<'InvoicePaid'>;
    return { invoice_id: event.aggregateId, payment_id: data.paymentId, amount: data.amount, received_on: data.receivedAt ?? event.occurredAt };
  });
  await sql`
    INSERT INTO analytics_payments AS p (invoice_id, payment_id, amount, received_on)
    SELECT invoice_id, payment_id, amount, received_on
    FROM ${recordset(rows)} AS x (invoice_id text, payment_id text, amount bigint, received_on date)
    ON CONFLICT (invoice_id, payment_id) DO UPDATE
    SET amount = GREATEST(p.amount, excluded.amount), received_on = LEAST(p.received_on, excluded.received_on)
  `.execute(db);
}

async function applyVoids(db: Executor, events: readonly StoredEvent<'InvoiceVoided' | 'InvoiceDeleted'>[]): Promise<void> {
  // The earliest void date wins, whatever the delivery order.
  await upsertInvoiceDate(db, 'voided_on', 'LEAST', events.map((e) => ({ invoiceId: e.aggregateId, date: e.occurredAt })));
}

async function applyOverdue(db: Executor, events: readonly StoredEvent<'InvoiceOverdue'>[]): Promise<void> {
  // The latest due date an overdue notice named wins.
  await upsertInvoiceDate(db, 'overdue_due_date', 'GREATEST', events.map((e) => ({ invoiceId: e.aggregateId, date: e.data.dueDate })));
}

/** One date column of analytics_invoices set for many invoices, combined with what is stored by LEAST or GREATEST (commutes). */
async function upsertInvoiceDate(
  db: Executor,
  column: 'voided_on' | 'overdue_due_date',
  combine: 'LEAST' | 'GREATEST',
  rows: readonly { invoiceId: string; date: string }[],
): Promise<void> {
  if (rows.length === 0) return;
  const col = sql.ref(column);
  await sql`
    INSERT INTO analytics_invoices AS a (invoice_id, ${col})
    SELECT invoice_id, day FROM ${recordset(rows.map((r) => ({ invoice_id: r.invoiceId, day: r.date })))} AS x (invoice_id text, day date)
    ON CONFLICT (invoice_id) DO UPDATE
    SET ${col} = ${sql.raw(combine)}(a.${col}, excluded.${col}), updated_at = now()
  `.execute(db);
}

/** Clears what the subscriber built, for `accrue rebuild analytics` (replay re-fills it). */
export async function resetAnalytics(db: Executor): Promise<void> {
  await db.deleteFrom('analytics_payments').execute();
  await db.deleteFrom('analytics_invoices').execute();
}
