import { sql, type RawBuilder } from 'kysely';
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
  // A worker batch of 500 events in one statement (applyToAnalytics), not one each.
  async handleBatch(events: readonly StoredEvent[], { db }: SubscriberContext): Promise<void> {
    await applyToAnalytics(db, events);
  },
  reset: (db: Executor) => resetAnalytics(db),
  // Every write commutes or is version-checked, so a snapshot that already holds some
  // of the events replayed after it gives the same rows (Subscriber.snapshot).
  snapshot: { schemaVersion: 1, tables: ['analytics_invoices', 'analytics_payments'] as const },
};

/**
 * Applies events to the analytics facts in a fixed number of round trips for a batch:
 * one for the usual batch (every invoice with at most one InvoiceCreated/Updated in
 * it), one more for each further state event of one invoice. Each round trip is one
 * statement whose data-modifying CTEs touch distinct rows:
 * - payments, all of the batch's at once: a key repeated in the batch (InvoicePaid
 *   repeats the last payment) is folded with max/min first, as GREATEST/LEAST would
 *   fold it row after row;
 * - issue state in "waves": the first InvoiceCreated/Updated of every invoice in the
 *   list, then the second, and so on (INSERT ... ON CONFLICT DO UPDATE may touch a row
 *   once, and the newest-wins rule with fill-ins depends on the order of one invoice's
 *   states, so they keep the list's order);
 * - void and overdue dates, folded per invoice with min/max (they combine by LEAST and
 *   GREATEST), riding on the first round trip whose states name none of their invoices.
 * Every write commutes or is version-checked, so this gives the rows one-by-one delivery
 * in the list's order gives (test/subscribers/analytics/analyticsBatch.test.ts).
 */
export async function applyToAnalytics(db: Executor, events: readonly StoredEvent[]): Promise<void> {
  for (const statement of analyticsStatements(events)) await statement.execute(db);
}

type AnyStatement = RawBuilder<unknown>;
type Write = { statement: AnyStatement; invoices: ReadonlySet<string> };

/** The batch's writes as statements, in the order they run (see applyToAnalytics). */
export function analyticsStatements(events: readonly StoredEvent[]): AnyStatement[] {
  // One pass sorts the batch by kind of write.
  const states: StoredEvent<'InvoiceCreated' | 'InvoiceUpdated'>[] = [];
  const paid: StoredEvent<'InvoicePaymentReceived' | 'InvoicePaid'>[] = [];
  const dated: StoredEvent<'InvoiceVoided' | 'InvoiceDeleted' | 'InvoiceOverdue'>[] = [];
  for (const e of events) {
    const type: EventType = e.type;
    if (type === 'InvoiceCreated' || type === 'InvoiceUpdated') states.push(e as StoredEvent<typeof type>);
    else if (type === 'InvoicePaymentReceived' || type === 'InvoicePaid') paid.push(e as StoredEvent<typeof type>);
    else if (type === 'InvoiceVoided' || type === 'InvoiceDeleted' || type === 'InvoiceOverdue') dated.push(e as StoredEvent<typeof type>);
  }
  const rounds: Write[][] = wavesByInvoice(states).map((wave) => {
    const created = wave.filter((e) => e.type === 'InvoiceCreated');
    const updated = wave.filter((e) => e.type === 'InvoiceUpdated');
    return [statesWrite(created, true), statesWrite(updated, false)].filter((w) => w !== undefined);
  });
  const payments = paymentsWrite(paid);
  const dates = datesWrite(dated);
  if (payments) (rounds[0] ??= []).push(payments);
  if (dates) {
    const free = rounds.find((round) => round.every((w) => [...dates.invoices].every((id) => !w.invoices.has(id))));
    if (free) free.push(dates);
    else rounds.push([dates]);
  }
  return rounds.filter((round) => round.length > 0).map(oneStatement);
}

/** One round trip for writes on distinct rows: the only statement, or each a CTE of one. */
function oneStatement(writes: readonly Write[]): AnyStatement {
  if (writes.length === 1) return writes[0]!.statement;
  return sql`WITH ${sql.join(writes.map((w, i) => sql`${sql.raw(`w${i}`)} AS (${w.statement})`))} SELECT 1`;
}

/** The i-th wave holds the i-th event (in list order) of every invoice that has one. */
function wavesByInvoice<E extends StoredEvent>(events: readonly E[]): E[][] {
  const seen = new Map<string, number>();
  const waves: E[][] = [];
  for (const event of events) {
    const i = seen.get(event.aggregateId) ?? 0;
    seen.set(event.aggregateId, i + 1);
    (waves[i] ??= []).push(event);
  }
  return waves;
}

const recordset = (rows: object[]) => sql`jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)`;
const invoicesOf = (events: readonly StoredEvent[]) => new Set(events.map((e) => e.aggregateId));

/**
 * The state of the newest (version, position) wins; an older event only fills
 * what is still unknown (an update may omit dueDate and customerId). The issue date
 * is InvoiceCreated's (issuedAt, else its business date) whenever it arrives.
 * Events without a version count as version 1: the position orders them.
 * At most one event per invoice (a wave).
 */
function statesWrite(events: readonly StoredEvent<'InvoiceCreated' | 'InvoiceUpdated'>[], created: boolean): Write | undefined {
  if (events.length === 0) return undefined;
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
  const statement = sql`
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
  `;
  return { statement, invoices: invoicesOf(events) };
}

/** Payments keyed by (invoice, paymentId): the largest amount and the earliest day win (InvoicePaid usually repeats one). */
function paymentsWrite(events: readonly StoredEvent<'InvoicePaymentReceived' | 'InvoicePaid'>[]): Write | undefined {
  if (events.length === 0) return undefined;
  const rows = events.map((event) => {
    const data = event.data as EventData<'InvoicePaid'>;
    return { invoice_id: event.aggregateId, payment_id: data.paymentId, amount: data.amount, received_on: data.receivedAt ?? event.occurredAt };
  });
  const statement = sql`
    INSERT INTO analytics_payments AS p (invoice_id, payment_id, amount, received_on)
    SELECT invoice_id, payment_id, max(amount), min(received_on)
    FROM ${recordset(rows)} AS x (invoice_id text, payment_id text, amount bigint, received_on date)
    GROUP BY invoice_id, payment_id
    ON CONFLICT (invoice_id, payment_id) DO UPDATE
    SET amount = GREATEST(p.amount, excluded.amount), received_on = LEAST(p.received_on, excluded.received_on)
  `;
  return { statement, invoices: new Set() };
}

/**
 * Void and overdue dates, one row per invoice: the earliest void date wins and the
 * latest due date an overdue notice named, whatever the delivery order (LEAST and
 * GREATEST skip the NULL of the date an invoice's events did not name).
 */
function datesWrite(events: readonly StoredEvent<'InvoiceVoided' | 'InvoiceDeleted' | 'InvoiceOverdue'>[]): Write | undefined {
  if (events.length === 0) return undefined;
  const rows = events.map((e) =>
    e.type === 'InvoiceOverdue'
      ? { invoice_id: e.aggregateId, voided_on: null, overdue_due_date: (e.data as EventData<'InvoiceOverdue'>).dueDate }
      : { invoice_id: e.aggregateId, voided_on: e.occurredAt, overdue_due_date: null },
  );
  const statement = sql`
    INSERT INTO analytics_invoices AS a (invoice_id, voided_on, overdue_due_date)
    SELECT invoice_id, min(voided_on), max(overdue_due_date)
    FROM ${recordset(rows)} AS x (invoice_id text, voided_on date, overdue_due_date date)
    GROUP BY invoice_id
    ON CONFLICT (invoice_id) DO UPDATE
    SET voided_on = LEAST(a.voided_on, excluded.voided_on), overdue_due_date = GREATEST(a.overdue_due_date, excluded.overdue_due_date), updated_at = now()
  `;
  return { statement, invoices: invoicesOf(events) };
}

/** Clears what the subscriber built, for `accrue rebuild analytics` (replay re-fills it). */
export async function resetAnalytics(db: Executor): Promise<void> {
  await db.deleteFrom('analytics_payments').execute();
  await db.deleteFrom('analytics_invoices').execute();
}
