import { sql } from 'kysely';
import type { Executor } from '../db/connect.ts';
import type { BookEvent } from '../revenue/invoiceTimeline.ts';
import { entryKey, type InvoiceBook, type PostedTotal } from '../revenue/postInvoiceEvent.ts';
import type { InvoiceOutcome } from '../revenue/targetJournal.ts';
import type { EntryKind } from '../revenue/targetJournal.ts';

/**
 * Loads and locks one invoice's book. The caller holds the invoice lock; locking
 * the line rows as well makes the daily run wait for (or skip) this invoice, so the
 * journal read next includes whatever it posted.
 */
export async function loadInvoiceBook(db: Executor, invoiceId: string): Promise<InvoiceBook | null> {
  const row = await db.selectFrom('revenue_invoices').selectAll().where('invoice_id', '=', invoiceId).forUpdate().executeTakeFirst();
  if (!row) return null;
  const lines = await db
    .selectFrom('revenue_lines')
    .select('recognized_through')
    .where('invoice_id', '=', invoiceId)
    .forUpdate()
    .execute();
  let horizon = row.horizon;
  for (const l of lines) if (horizon === null || l.recognized_through > horizon) horizon = l.recognized_through;
  return {
    invoiceId,
    applied: row.applied as BookEvent[],
    parked: row.parked as BookEvent[],
    firstEventOn: row.first_event_on,
    horizon,
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

/** Writes the book and, once the invoice exists, its current lines for the daily run. */
export async function saveInvoiceBook(db: Executor, book: InvoiceBook, outcome: InvoiceOutcome | null): Promise<void> {
  const state = outcome
    ? {
        currency: outcome.currency,
        status: outcome.status,
        version: outcome.version,
        total: outcome.total,
        tax: outcome.tax,
        net_revenue: outcome.netRevenue,
        amount_paid: outcome.amountPaid,
        amount_due: outcome.amountDue,
        issued_on: outcome.issuedOn,
      }
    : { currency: null, status: 'pending' as const, version: 0, total: 0, tax: 0, net_revenue: 0, amount_paid: 0, amount_due: 0, issued_on: null };
  const values = {
    ...state,
    first_event_on: book.firstEventOn,
    horizon: book.horizon,
    applied: JSON.stringify(book.applied),
    parked: JSON.stringify(book.parked),
    updated_at: new Date(),
  };
  await db
    .insertInto('revenue_invoices')
    .values({ invoice_id: book.invoiceId, ...values })
    .onConflict((oc) => oc.column('invoice_id').doUpdateSet(values))
    .execute();
  if (!outcome) return;
  await db.deleteFrom('revenue_lines').where('invoice_id', '=', book.invoiceId).execute();
  if (outcome.lines.length === 0) return;
  await db
    .insertInto('revenue_lines')
    .values(
      outcome.lines.map((l) => ({
        invoice_id: book.invoiceId,
        line_id: l.lineId,
        currency: outcome.currency,
        position: l.position,
        net_amount: l.amount,
        service_start: l.servicePeriod?.start ?? null,
        service_end: l.servicePeriod?.end ?? null,
        recognized: l.recognized,
        recognized_through: book.horizon!,
        active: l.active,
      })),
    )
    .execute();
}
