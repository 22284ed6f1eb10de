import type { Executor } from '../db/connect.ts';
import type { NewEntry } from '../revenue/postInvoiceEvent.ts';

export type PostedEntry = NewEntry & { entryId: number; currency: string; invoiceId: string };

/** Appends entries to the journal (the database checks balance and open periods). */
export async function appendEntries(
  db: Executor,
  invoiceId: string,
  currency: string,
  eventId: string | null,
  entries: readonly NewEntry[],
): Promise<PostedEntry[]> {
  if (entries.length === 0) return [];
  const rows = await db
    .insertInto('ledger_entries')
    .values(
      entries.map((e) => ({
        currency,
        entry_date: e.entryDate,
        origin_date: e.originDate,
        kind: e.kind,
        invoice_id: invoiceId,
        line_id: e.lineId,
        payment_id: e.paymentId,
        event_id: eventId,
        note: e.entryDate !== e.originDate ? `relocated from ${e.originDate} (closed period)` : null,
        accounts_receivable: e.movement.AccountsReceivable,
        cash: e.movement.Cash,
        deferred_revenue: e.movement.DeferredRevenue,
        revenue: e.movement.Revenue,
        tax_payable: e.movement.TaxPayable,
        customer_credit: e.movement.CustomerCredit,
      })),
    )
    .returning('entry_id')
    .execute();
  return entries.map((e, i) => ({ ...e, entryId: rows[i]!.entry_id, currency, invoiceId }));
}
