import type { Executor } from '../../../db/connect.ts';
import { toAccountColumns } from '../accountColumns.ts';
import type { NewEntry } from '../postInvoiceEvent.ts';

export type PostedEntry = NewEntry & { entryId: number; currency: string; invoiceId: string };

/** Entries of one invoice event, for appendEntriesOf. */
export type EntryGroup = { invoiceId: string; currency: string; eventId: string | null; entries: readonly NewEntry[] };

/**
 * Appends the entries of many invoice events (a worker batch, or one event) in one statement; the
 * posted entries come back per group, in the order given.
 */
export async function appendEntriesOf(db: Executor, groups: readonly EntryGroup[]): Promise<PostedEntry[][]> {
  const flat = groups.flatMap((g) => g.entries.map((e) => ({ g, e })));
  if (flat.length === 0) return groups.map(() => []);
  const rows = await db
    .insertInto('ledger_entries')
    .values(
      flat.map(({ g, e }) => ({
        currency: g.currency,
        entry_date: e.entryDate,
        origin_date: e.originDate,
        kind: e.kind,
        invoice_id: g.invoiceId,
        line_id: e.lineId,
        payment_id: e.paymentId,
        event_id: g.eventId,
        note: e.entryDate !== e.originDate ? `relocated from ${e.originDate} (closed period)` : null,
        ...toAccountColumns(e.movement),
      })),
    )
    .returning('entry_id')
    .execute();
  let i = 0;
  return groups.map((g) => g.entries.map((e) => ({ ...e, entryId: rows[i++]!.entry_id, currency: g.currency, invoiceId: g.invoiceId })));
}
