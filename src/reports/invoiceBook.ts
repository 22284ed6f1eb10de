import type { Executor } from '../db/connect.ts';
import { NotFoundError } from '../errors.ts';
import { fromAccountColumns } from '../subscribers/revenue/accountColumns.ts';
import { ACCOUNTS, type Account, type Movement } from '../subscribers/revenue/accounts.ts';
import { lineSchedule } from '../subscribers/revenue/lineSchedule.ts';
import { toInvoiceStateEntry, type InvoiceStateEntry } from './invoiceState.ts';

export type InvoiceBookView = InvoiceStateEntry & {
  invoiceId: string;
  issuedOn: string;
  schedule: {
    lineId: string;
    netAmount: number;
    servicePeriod: { start: string; end: string } | null;
    recognizedToDate: number;
    months: Record<string, number>;
  }[];
  entries: {
    entryId: number;
    date: string;
    period: string;
    kind: string;
    lineId: string | null;
    paymentId: string | null;
    eventId: string | null;
    note: string | null;
    lines: { account: Account; debit: number; credit: number }[];
  }[];
};

/** GET /v1/invoices/{id}/book: the invoice's state, its recognition schedule and its journal entries. */
export async function getInvoiceBook(db: Executor, invoiceId: string): Promise<InvoiceBookView> {
  const inv = await db.selectFrom('revenue_invoices').selectAll().where('invoice_id', '=', invoiceId).executeTakeFirst();
  if (!inv || inv.status === 'pending') throw new NotFoundError(`invoice ${invoiceId} has no books (not issued)`);
  const lines = await db.selectFrom('revenue_lines').selectAll().where('invoice_id', '=', invoiceId).orderBy('position').execute();
  const entries = await db.selectFrom('ledger_entries').selectAll().where('invoice_id', '=', invoiceId).orderBy('entry_id').execute();
  const issuedOn = inv.issued_on!;
  return {
    invoiceId,
    ...toInvoiceStateEntry(inv),
    issuedOn,
    schedule: lines.map((l) => {
      const servicePeriod = l.service_start && l.service_end ? { start: l.service_start, end: l.service_end } : null;
      return {
        lineId: l.line_id,
        netAmount: l.net_amount,
        servicePeriod,
        recognizedToDate: l.recognized,
        months: lineSchedule({ lineId: l.line_id, amount: l.net_amount, ...(servicePeriod ? { servicePeriod } : {}) }, issuedOn),
      };
    }),
    entries: entries.map((e) => ({
      entryId: e.entry_id,
      date: e.entry_date,
      period: e.period,
      kind: e.kind,
      lineId: e.line_id,
      paymentId: e.payment_id,
      eventId: e.event_id,
      note: e.note,
      lines: debitsAndCredits(fromAccountColumns(e)),
    })),
  };
}

function debitsAndCredits(movement: Movement): InvoiceBookView['entries'][number]['lines'] {
  return ACCOUNTS.filter((a) => movement[a] !== 0).map((a) => ({ account: a, debit: Math.max(movement[a], 0), credit: Math.max(-movement[a], 0) }));
}
