import { sql } from 'kysely';
import type { Executor } from '../db/connect.ts';
import type { BookEvent } from '../revenue/invoiceTimeline.ts';
import type { InvoiceBook, PostedTotal } from '../revenue/postInvoiceEvent.ts';
import { entryKey } from '../revenue/targetJournal.ts';
import type { InvoiceOutcome } from '../revenue/targetJournal.ts';
import type { EntryKind } from '../revenue/targetJournal.ts';

type BookRow = {
  applied: BookEvent[] | null;
  parked: BookEvent[] | null;
  first_event_on: string | null;
  horizon: string | null;
  lines_through: string | null;
  locked_through: string | null;
};

/**
 * Loads one invoice's book and the period lock state in one round trip, locking the
 * invoice's line rows: the daily run then waits for (or skips) this invoice, so the
 * journal read next includes whatever it posted. The caller holds the invoice's
 * advisory lock, which serialises postings (the book row itself needs no row lock).
 */
export async function loadInvoiceBook(db: Executor, invoiceId: string): Promise<{ book: InvoiceBook | null; lockedThrough: string | null }> {
  const { rows } = await sql<BookRow>`
    WITH locked_lines AS (
      SELECT recognized_through FROM revenue_lines WHERE invoice_id = ${invoiceId} FOR UPDATE
    )
    SELECT i.applied, i.parked, i.first_event_on, i.horizon,
           (SELECT max(recognized_through) FROM locked_lines) AS lines_through,
           (SELECT max(period) FROM ledger_period_locks) AS locked_through
    FROM (VALUES (1)) AS one (x)
    LEFT JOIN revenue_invoices i ON i.invoice_id = ${invoiceId}
  `.execute(db);
  const row = rows[0]!;
  if (row.first_event_on === null) return { book: null, lockedThrough: row.locked_through };
  const horizon = row.lines_through !== null && (row.horizon === null || row.lines_through > row.horizon) ? row.lines_through : row.horizon;
  return {
    book: { invoiceId, applied: row.applied ?? [], parked: row.parked ?? [], firstEventOn: row.first_event_on, horizon },
    lockedThrough: row.locked_through,
  };
}

type PostedRow = {
  kind: EntryKind;
  line_id: string | null;
  payment_id: string | null;
  last_origin: string;
  ar: number;
  cash: number;
  deferred: number;
  revenue: number;
  tax: number;
  credit: number;
};

/** What the journal already holds for this invoice, per entry key (see entryKey). */
export async function loadPostedTotals(db: Executor, invoiceId: string): Promise<Map<string, PostedTotal>> {
  const { rows } = await sql<PostedRow>`
    SELECT kind, line_id, payment_id, max(origin_date) AS last_origin,
           sum(accounts_receivable)::bigint AS ar, sum(cash)::bigint AS cash, sum(deferred_revenue)::bigint AS deferred,
           sum(revenue)::bigint AS revenue, sum(tax_payable)::bigint AS tax, sum(customer_credit)::bigint AS credit
    FROM ledger_entries
    WHERE invoice_id = ${invoiceId}
    GROUP BY kind, line_id, payment_id, CASE WHEN kind = 'recognition' THEN date_trunc('month', origin_date) ELSE origin_date END
  `.execute(db);
  const out = new Map<string, PostedTotal>();
  for (const r of rows) {
    out.set(entryKey(r.kind, r.last_origin, r.line_id, r.payment_id), {
      kind: r.kind,
      lineId: r.line_id,
      paymentId: r.payment_id,
      lastOriginDate: r.last_origin,
      movement: {
        AccountsReceivable: r.ar,
        Cash: r.cash,
        DeferredRevenue: r.deferred,
        Revenue: r.revenue,
        TaxPayable: r.tax,
        CustomerCredit: r.credit,
      },
    });
  }
  return out;
}

/**
 * Writes the book and, once the invoice exists, its current lines for the daily run,
 * in one statement (lines upserted, lines no longer on the invoice removed).
 */
export async function saveInvoiceBook(db: Executor, book: InvoiceBook, outcome: InvoiceOutcome | null): Promise<void> {
  const o = outcome;
  const lines = (o?.lines ?? []).map((l) => ({
    line_id: l.lineId,
    position: l.position,
    net_amount: l.amount,
    service_start: l.servicePeriod?.start ?? null,
    service_end: l.servicePeriod?.end ?? null,
    recognized: l.recognized,
    active: l.active,
  }));
  await sql`
    WITH book AS (
      INSERT INTO revenue_invoices (invoice_id, currency, status, version, total, tax, net_revenue, amount_paid, amount_due,
                                    issued_on, first_event_on, horizon, applied, parked, updated_at)
      VALUES (${book.invoiceId}, ${o?.currency ?? null}, ${o?.status ?? 'pending'}, ${o?.version ?? 0}, ${o?.total ?? 0},
              ${o?.tax ?? 0}, ${o?.netRevenue ?? 0}, ${o?.amountPaid ?? 0}, ${o?.amountDue ?? 0}, ${o?.issuedOn ?? null}::date,
              ${book.firstEventOn}::date, ${book.horizon}::date, ${JSON.stringify(book.applied)}::jsonb,
              ${JSON.stringify(book.parked)}::jsonb, clock_timestamp())
      ON CONFLICT (invoice_id) DO UPDATE SET
        currency = excluded.currency, status = excluded.status, version = excluded.version, total = excluded.total,
        tax = excluded.tax, net_revenue = excluded.net_revenue, amount_paid = excluded.amount_paid,
        amount_due = excluded.amount_due, issued_on = excluded.issued_on, first_event_on = excluded.first_event_on,
        horizon = excluded.horizon, applied = excluded.applied, parked = excluded.parked, updated_at = excluded.updated_at
    ), new_lines AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(lines)}::jsonb) AS x (
        line_id text, position int, net_amount bigint, service_start date, service_end date, recognized bigint, active boolean)
    ), upserted AS (
      INSERT INTO revenue_lines (invoice_id, line_id, currency, position, net_amount, service_start, service_end,
                                 recognized, recognized_through, active)
      SELECT ${book.invoiceId}, line_id, ${o?.currency ?? 'XXX'}, position, net_amount, service_start, service_end,
             recognized, ${book.horizon}::date, active
      FROM new_lines
      ON CONFLICT (invoice_id, line_id) DO UPDATE SET
        position = excluded.position, net_amount = excluded.net_amount, service_start = excluded.service_start,
        service_end = excluded.service_end, recognized = excluded.recognized,
        recognized_through = excluded.recognized_through, active = excluded.active
    )
    DELETE FROM revenue_lines
    WHERE invoice_id = ${book.invoiceId} AND line_id NOT IN (SELECT line_id FROM new_lines)
  `.execute(db);
}
