import type { Selectable } from 'kysely';
import type { Executor } from '../db/connect.ts';
import type { RevenueInvoicesTable } from '../db/tables/ledgerTables.ts';
import type { InvoiceOutcome } from '../subscribers/revenue/targetJournal.ts';
import type { ReportQuery } from './reportQuery.ts';

/** FORMAT invoiceState entry: the invoice as the books see it now (the posting's outcome). */
export type InvoiceStateEntry = Pick<InvoiceOutcome, 'status' | 'version' | 'total' | 'tax' | 'netRevenue' | 'amountPaid' | 'amountDue' | 'currency'>;

type Row = Pick<Selectable<RevenueInvoicesTable>, 'status' | 'version' | 'total' | 'tax' | 'net_revenue' | 'amount_paid' | 'amount_due' | 'currency'>;

export function toInvoiceStateEntry(r: Row): InvoiceStateEntry {
  return {
    status: r.status as InvoiceStateEntry['status'],
    version: r.version,
    total: r.total,
    tax: r.tax,
    netRevenue: r.net_revenue,
    amountPaid: r.amount_paid,
    amountDue: r.amount_due,
    currency: r.currency!.trim(),
  };
}

/** Every issued invoice keyed by id (invoices known only from early events are not issued yet). */
export async function invoiceState(db: Executor, query: Pick<ReportQuery, 'currency'> = {}): Promise<Record<string, InvoiceStateEntry>> {
  let q = db
    .selectFrom('revenue_invoices')
    .select(['invoice_id', 'status', 'version', 'total', 'tax', 'net_revenue', 'amount_paid', 'amount_due', 'currency'])
    .where('status', '<>', 'pending')
    .orderBy('invoice_id');
  if (query.currency) q = q.where('currency', '=', query.currency);
  const rows = await q.execute();
  return Object.fromEntries(rows.map((r) => [r.invoice_id, toInvoiceStateEntry(r)]));
}
