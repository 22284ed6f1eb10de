import { sql, type RawBuilder } from 'kysely';
import { arrayLiteral, unnestRows, type UnnestArrays, type UnnestColumn } from '../../../db/unnestRows.ts';
import { ACCOUNT_COLUMNS } from '../accountColumns.ts';
import { ACCOUNTS } from '../accounts.ts';
import type { NewEntry } from '../postInvoiceEvent.ts';

/** Entries of one invoice event, for entryInsertCtes. */
export type EntryGroup = { invoiceId: string; currency: string; eventId: string | null; entries: readonly NewEntry[] };

const ACCOUNT_LIST = ACCOUNTS.map((a) => ACCOUNT_COLUMNS[a]);

type EntryRow = { currency: string; entry_date: string; origin_date: string; kind: string; invoice_id: string; line_id: string | null;
  payment_id: string | null; event_id: string | null; note: string | null } & Record<string, unknown>;

const ENTRY_COLUMNS: UnnestColumn<EntryRow>[] = [
  ['currency', 'text'], ['entry_date', 'date'], ['origin_date', 'date'], ['kind', 'text'], ['invoice_id', 'text'], ['line_id', 'text'],
  ['payment_id', 'text'], ['event_id', 'uuid'], ['note', 'text'], ...ACCOUNT_LIST.map((c) => [c, 'bigint'] as const),
];

/** entryInsertCtes' parameters: the entries' columns as typed arrays (unnestArrays). */
export type EntryArrays = UnnestArrays<EntryRow>;

/**
 * The entries of many invoice events (a worker batch, or one event), in the order given,
 * as entryInsertCtes' parameters.
 */
export function entryArrays(groups: readonly EntryGroup[]): EntryArrays {
  // Column by column, no row object per entry (a 500-event posting writes ~600 entries).
  const currency: string[] = [], entryDate: string[] = [], originDate: string[] = [], kind: string[] = [], invoiceId: string[] = [];
  const lineId: (string | null)[] = [], paymentId: (string | null)[] = [], eventId: (string | null)[] = [], note: (string | null)[] = [];
  const accounts = ACCOUNTS.map((): number[] => []);
  for (const g of groups) {
    for (const e of g.entries) {
      currency.push(g.currency);
      entryDate.push(e.entryDate);
      originDate.push(e.originDate);
      kind.push(e.kind);
      invoiceId.push(g.invoiceId);
      lineId.push(e.lineId);
      paymentId.push(e.paymentId);
      eventId.push(g.eventId);
      note.push(e.entryDate !== e.originDate ? `relocated from ${e.originDate} (closed period)` : null);
      ACCOUNTS.forEach((account, a) => accounts[a]!.push(e.movement[account]));
    }
  }
  const columns: unknown[][] = [currency, entryDate, originDate, kind, invoiceId, lineId, paymentId, eventId, note, ...accounts];
  const out = {} as EntryArrays;
  ENTRY_COLUMNS.forEach(([name], i) => (out[name] = arrayLiteral(columns[i]!)));
  return out;
}

/**
 * The CTEs that append entries (entryArrays) in writePostings' one statement:
 * `new_entries` numbers them in the order given (`ordinality`, 1-based) and draws each
 * one's id from the identity sequence, so the revenue events written in the same
 * statement can carry it; `entries` inserts them.
 */
export function entryInsertCtes(arrays: EntryArrays): RawBuilder<unknown> {
  const accounts = sql.join(ACCOUNT_LIST.map((c) => sql.ref(c)));
  return sql`new_entries AS MATERIALIZED (
      SELECT nextval('ledger_entries_entry_id_seq') AS entry_id, x.*
      FROM ${unnestRows(arrays, ENTRY_COLUMNS, 'x')}
    ), entries AS (
      INSERT INTO ledger_entries (entry_id, currency, entry_date, origin_date, kind, invoice_id, line_id, payment_id, event_id, note, ${accounts})
      OVERRIDING SYSTEM VALUE
      SELECT entry_id, currency, entry_date, origin_date, kind, invoice_id, line_id, payment_id, event_id, note, ${accounts}
      FROM new_entries ORDER BY ordinality
    )`;
}
