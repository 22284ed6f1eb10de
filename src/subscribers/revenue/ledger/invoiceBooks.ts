import { sql, type RawBuilder } from 'kysely';
import type { PlannedRead } from '../../../bus/contract/subscriber.ts';
import type { Executor } from '../../../db/connect.ts';
import { executeNamed } from '../../../db/preparedStatements.ts';
import { arrayLiteral, unnestArrays, unnestRows, type UnnestArrays, type UnnestColumn } from '../../../db/unnestRows.ts';
import { ACCOUNT_COLUMNS, fromAccountColumns, type AccountColumnValues } from '../accountColumns.ts';
import { READABLE_BOOK_SNAPSHOT_VERSIONS, isPayment, parseBookSnapshot, storedSnapshot, type HeldPayment } from '../bookSnapshot.ts';
import type { BookEvent } from '../invoiceTimeline.ts';
import { readStoredBookEvent, storedBookEventBody } from '../storedBookEvent.ts';
import type { InvoiceBook, PostedTotal } from '../postInvoiceEvent.ts';
import { entryKey, type EntryKind, type InvoiceOutcome } from '../targetJournal.ts';

/**
 * The revenue books of the invoices a posting touches (one event, or a worker batch):
 * one statement each however many invoices, since each round trip costs ~1 ms here
 * (docs/performance.md). Keyed by invoice id. The caller holds invoicePostingLocks
 * (taken in an earlier statement: the invoice locks and the invoices' line rows), so
 * the daily run skips an invoice being posted, and whatever it posted before is
 * committed and seen by this statement, posted totals included.
 */

type BookRow = {
  invoice_id: string;
  snapshot: unknown;
  applied: BookEvent[] | null;
  parked: BookEvent[] | null;
  first_event_on: string | null;
  horizon: string | null;
  lines_through: string | null;
  locked_through: string | null;
  /** [event_id, payment_id, effectiveOn, amount] of stored book events that are among those posted or hold their payment ids. */
  known: [string, string | null, string, unknown][] | null;
  /** The posted totals from the stored snapshot's window on (all of them without a readable one). */
  posted: PostedRow[] | null;
};

/**
 * Books (null = none yet), and the period lock state; with each book, what the event
 * store of the books says about the events being posted (InvoiceBook.folded), and what
 * is posted from its snapshot's window on (loadPostedTotalsOf's answer for that window;
 * a book folded from its full history instead needs them all: read them again).
 * `unreadable`: books whose snapshot is of another schema version, to be folded from
 * their full history (loadBookHistories) before posting.
 */
export async function loadInvoiceBooks(
  db: Executor,
  invoiceIds: readonly string[],
  posting: readonly { invoiceId: string; eventId: string; paymentId: string | null }[] = [],
  /** SubscriberContext.readPlannedOnce: the relay runs the read with a plan made once per session (its text and plan do not depend on the values). */
  readPlannedOnce?: PlannedRead,
): Promise<{ books: Map<string, InvoiceBook | null>; posted: Map<string, Map<string, PostedTotal>>; lockedThrough: string | null; unreadable: string[] }> {
  // Looked up by their keys, one index probe each: the book events of the events being
  // posted, and those holding one of their payment ids on the same invoice.
  const payments = new Map<string, { invoiceId: string; paymentId: string }>();
  for (const p of posting) if (p.paymentId !== null) payments.set(JSON.stringify([p.invoiceId, p.paymentId]), { invoiceId: p.invoiceId, paymentId: p.paymentId });
  const held = [...payments.values()];
  // Array literals written once (arrayLiteral), not by pg's serialiser: a string per element.
  const ids = arrayLiteral(invoiceIds);
  const read = sql<BookRow>`
    WITH ids AS (SELECT DISTINCT unnest(${ids}::text[]) AS invoice_id),
    known_rows AS (
      SELECT b.invoice_id, b.event_id, b.payment_id, coalesce(b.body->>'effectiveOn', b.body->>'occurredAt') AS effective_on, b.body->'data'->'amount' AS amount
      FROM unnest(${arrayLiteral(posting.map((p) => p.invoiceId))}::text[], ${arrayLiteral(posting.map((p) => p.eventId))}::uuid[]) AS p (invoice_id, event_id)
      CROSS JOIN LATERAL (SELECT * FROM revenue_book_events b WHERE b.invoice_id = p.invoice_id AND b.event_id = p.event_id OFFSET 0) b
      UNION
      SELECT b.invoice_id, b.event_id, b.payment_id, coalesce(b.body->>'effectiveOn', b.body->>'occurredAt'), b.body->'data'->'amount'
      FROM unnest(${arrayLiteral(held.map((p) => p.invoiceId))}::text[], ${arrayLiteral(held.map((p) => p.paymentId))}::text[]) AS q (invoice_id, payment_id)
      CROSS JOIN LATERAL (SELECT * FROM revenue_book_events b WHERE b.invoice_id = q.invoice_id AND b.payment_id = q.payment_id OFFSET 0) b
    ), known AS (
      SELECT invoice_id, jsonb_agg(jsonb_build_array(event_id, payment_id, effective_on, amount)) AS known
      FROM known_rows GROUP BY invoice_id
    )
    SELECT ids.invoice_id, i.snapshot, i.applied, i.parked, i.first_event_on, i.horizon,
           (SELECT max(recognized_through) FROM revenue_lines l WHERE l.invoice_id = ids.invoice_id) AS lines_through,
           k.known, p.posted, (SELECT max(period) FROM ledger_period_locks) AS locked_through
    FROM ids
    LEFT JOIN LATERAL (SELECT * FROM revenue_invoices i WHERE i.invoice_id = ids.invoice_id OFFSET 0) i ON true
    LEFT JOIN LATERAL (
      SELECT jsonb_agg(jsonb_build_object('invoice_id', t.invoice_id, 'kind', t.kind, 'line_id', t.line_id, 'payment_id', t.payment_id,
                                          'last_origin', t.last_origin, ${sql.join(ACCOUNT_LIST.map((c) => sql`${sql.lit(c)}, t.${sql.ref(c)}`))})) AS posted
      FROM ledger_posted_totals t
      WHERE i.invoice_id IS NOT NULL AND t.invoice_id = ids.invoice_id
        AND t.bucket >= CASE WHEN i.snapshot->>'schemaVersion' = ANY(${arrayLiteral(READABLE_BOOK_SNAPSHOT_VERSIONS.map(String))}::text[]) THEN (i.snapshot->>'windowFrom')::date
                             ELSE '-infinity'::date END
    ) p ON true
    LEFT JOIN known k ON k.invoice_id = ids.invoice_id
  `;
  const rows = readPlannedOnce ? await readPlannedOnce(read.compile(db)) : await executeNamed(db, 'load_invoice_books', read);
  const books = new Map<string, InvoiceBook | null>();
  const posted = new Map<string, Map<string, PostedTotal>>();
  const unreadable: string[] = [];
  let lockedThrough: string | null = null;
  for (const row of rows) {
    lockedThrough = row.locked_through;
    posted.set(row.invoice_id, postedTotals(row.posted ?? []));
    if (row.first_event_on === null) {
      books.set(row.invoice_id, null);
      continue;
    }
    const horizon = row.lines_through !== null && (row.horizon === null || row.lines_through > row.horizon) ? row.lines_through : row.horizon;
    const snapshot = row.snapshot === null ? null : parseBookSnapshot(row.snapshot);
    if (row.snapshot !== null && snapshot === null) unreadable.push(row.invoice_id);
    const applied = row.applied ?? [];
    const tail = new Set(applied.map((e) => e.eventId));
    const folded = (row.known ?? []).filter(([eventId]) => !tail.has(eventId));
    books.set(row.invoice_id, {
      invoiceId: row.invoice_id,
      snapshot,
      applied,
      parked: row.parked ?? [],
      firstEventOn: row.first_event_on,
      horizon,
      folded: { eventIds: new Set(folded.map(([eventId]) => eventId)), payments: heldPayments(folded) },
    });
  }
  return { books, posted, lockedThrough, unreadable };
}

/** The folded events holding a payment id, by payment id. */
function heldPayments(known: readonly [string, string | null, string, unknown][]): Map<string, HeldPayment[]> {
  const out = new Map<string, HeldPayment[]>();
  for (const [eventId, paymentId, effectiveOn, amount] of known) {
    if (paymentId === null) continue;
    out.set(paymentId, [...(out.get(paymentId) ?? []), { eventId, effectiveOn, amount: Number(amount) }]);
  }
  return out;
}

/** Every event the books of these invoices applied (revenue_book_events), for a full re-fold. */
export async function loadBookHistories(db: Executor, invoiceIds: readonly string[]): Promise<Map<string, BookEvent[]>> {
  const out = new Map<string, BookEvent[]>(invoiceIds.map((id) => [id, []]));
  if (invoiceIds.length === 0) return out;
  const { rows } = await sql<{ invoice_id: string; event_id: string; body: Record<string, unknown> }>`
    SELECT invoice_id, event_id, body FROM revenue_book_events WHERE invoice_id = ANY(${[...invoiceIds]}::text[])`.execute(db);
  // The stored body leaves out the event id, the row's key (one written before holds it too).
  for (const r of rows) out.get(r.invoice_id)!.push(readStoredBookEvent(r.event_id, r.body));
  return out;
}

type PostedRow = AccountColumnValues & {
  invoice_id: string;
  kind: EntryKind;
  line_id: string;
  payment_id: string;
  last_origin: string;
};

/**
 * What is posted per entry key (kind, line, payment and origin day; recognition per
 * month) of each invoice, from its window on (its snapshot's; null: all of it), in one
 * statement: ledger_posted_totals, kept by a trigger on ledger_entries, so the cost is
 * the keys in the window, not the invoice's entries. Every asked invoice gets a map.
 */
export async function loadPostedTotalsOf(db: Executor, windows: ReadonlyMap<string, string | null>): Promise<Map<string, Map<string, PostedTotal>>> {
  const out = new Map<string, Map<string, PostedTotal>>([...windows.keys()].map((id) => [id, new Map()]));
  if (windows.size === 0) return out;
  const { rows } = await sql<PostedRow>`
    SELECT t.invoice_id, t.kind, t.line_id, t.payment_id, t.last_origin, ${sql.join(ACCOUNT_LIST.map((c) => sql`t.${sql.ref(c)}`))}
    FROM unnest(${[...windows.keys()]}::text[], ${[...windows.values()]}::date[]) AS w (invoice_id, window_from)
    JOIN ledger_posted_totals t ON t.invoice_id = w.invoice_id AND t.bucket >= coalesce(w.window_from, '-infinity'::date)
  `.execute(db);
  for (const r of rows) {
    const [key, total] = postedTotal(r);
    out.get(r.invoice_id)!.set(key, total);
  }
  return out;
}

function postedTotals(rows: readonly PostedRow[]): Map<string, PostedTotal> {
  return new Map(rows.map(postedTotal));
}

/** A ledger_posted_totals row as the posting keys it (entryKey) and reads it. */
function postedTotal(r: PostedRow): [string, PostedTotal] {
  const lineId = r.line_id === '' ? null : r.line_id;
  const paymentId = r.payment_id === '' ? null : r.payment_id;
  return [entryKey(r.kind, r.last_origin, lineId, paymentId), { kind: r.kind, lineId, paymentId, lastOriginDate: r.last_origin, movement: fromAccountColumns(r) }];
}

const ACCOUNT_LIST = Object.values(ACCOUNT_COLUMNS);

/** `fresh`: the line's book is new in this posting (bookSaveParams), so the line is too. */
type LineRow = { invoice_id: string; line_id: string; currency: string; position: number; net_amount: number; service_start: string | null;
  service_end: string | null; recognized: number; recognized_through: string | null; active: boolean; fresh: boolean };

const LINE_COLUMNS: UnnestColumn<LineRow>[] = [
  ['invoice_id', 'text'], ['line_id', 'text'], ['currency', 'text'], ['position', 'int'], ['net_amount', 'bigint'], ['service_start', 'date'],
  ['service_end', 'date'], ['recognized', 'bigint'], ['recognized_through', 'date'], ['active', 'boolean'], ['fresh', 'boolean'],
];

/** bookSaveCtes' parameters: the books and their events as jsonb texts, their lines as typed arrays. */
export type BookSaveParams = { books: string; bookEvents: string; lines: UnnestArrays<LineRow>; dropLinesOf: string };

/**
 * The books of many invoices (each at most once), their lines and the events they
 * applied, as bookSaveCtes' parameters. `existed`: the invoice had a book before this
 * posting (loadInvoiceBooks found it, under the invoice's lock); only such a book can
 * have stored lines to drop or stored events. The rows of a book that did not exist
 * are marked `fresh`: inserted without ON CONFLICT (bookSaveCtes).
 */
export function bookSaveParams(
  saves: readonly { book: InvoiceBook; outcome: InvoiceOutcome | null; existed: boolean }[],
  bookEvents: readonly { invoiceId: string; event: BookEvent }[] = [],
): BookSaveParams {
  const fresh = new Set(saves.flatMap((s) => (s.existed ? [] : [s.book.invoiceId])));
  // The body without its event id, which the row's key holds, and in its stored form
  // (storedBookEventBody; loadBookHistories reads it back).
  // An event twice for a fresh book is stored once, the first, as ON CONFLICT DO NOTHING would.
  const seen = new Map<string, Set<string>>();
  const stored = bookEvents.flatMap(({ invoiceId, event }) => {
    const eventId = event.eventId;
    const isFresh = fresh.has(invoiceId);
    if (isFresh) {
      const ids = seen.get(invoiceId) ?? seen.set(invoiceId, new Set()).get(invoiceId)!;
      if (ids.has(eventId)) return [];
      ids.add(eventId);
    }
    return [{ invoice_id: invoiceId, event_id: eventId, payment_id: isPayment(event) ? String(event.data.paymentId) : null, body: storedBookEventBody(event), fresh: isFresh }];
  });
  const books = saves.map(({ book, outcome: o, existed }) => ({
    invoice_id: book.invoiceId,
    fresh: !existed,
    currency: o?.currency ?? null,
    status: o?.status ?? 'pending',
    version: o?.version ?? 0,
    total: o?.total ?? 0,
    tax: o?.tax ?? 0,
    net_revenue: o?.netRevenue ?? 0,
    amount_paid: o?.amountPaid ?? 0,
    amount_due: o?.amountDue ?? 0,
    issued_on: o?.issuedOn ?? null,
    first_event_on: book.firstEventOn,
    horizon: book.horizon,
    snapshot: book.snapshot === null ? null : storedSnapshot(book.snapshot),
    applied: book.applied,
    parked: book.parked,
  }));
  const lines: LineRow[] = saves.flatMap(({ book, outcome: o, existed }) =>
    (o?.lines ?? []).map((l) => ({
      invoice_id: book.invoiceId,
      line_id: l.lineId,
      currency: o?.currency ?? 'XXX',
      position: l.position,
      net_amount: l.amount,
      service_start: l.servicePeriod?.start ?? null,
      service_end: l.servicePeriod?.end ?? null,
      recognized: l.recognized,
      recognized_through: book.horizon,
      active: l.active,
      fresh: !existed,
    })),
  );
  const dropLinesOf = arrayLiteral(saves.flatMap((s) => (s.existed ? [s.book.invoiceId] : [])));
  return { books: JSON.stringify(books), bookEvents: JSON.stringify(stored), lines: unnestArrays(lines, LINE_COLUMNS), dropLinesOf };
}

/**
 * The CTEs that save the books of many invoices (bookSaveParams), for writePostings'
 * one statement: books upserted, their current lines upserted (typed arrays:
 * unnestRows; the books and their events stay one jsonb parameter each, the snapshots
 * and event bodies being most of them), lines no longer on an invoice removed. The
 * removal looks up by key (= ANY of an array) the lines of the books that existed
 * before (a new book has none): joined to new_books, whose size the planner guesses at
 * 100, it scanned all of revenue_lines in every batch (15,589 rows, 1–9 ms, after a
 * 30,000-event drain); probing every saved book's invoice cost ~4 ms a 500-event batch
 * in a drain, where nearly all books are new.
 * The rows of a book new in this posting (`fresh`) are plain INSERTs: ON CONFLICT cost
 * each row a probe of the key before its insert and a WAL record confirming it (~2 of
 * ~20 records an event in a drain). No other posting can have made them meanwhile (the
 * invoice's lock); if anything did, the key refuses the posting, which is retried and
 * then finds the book.
 */
export function bookSaveCtes(p: BookSaveParams): RawBuilder<unknown> {
  const bookColumns = sql`invoice_id, currency, status, version, total, tax, net_revenue, amount_paid, amount_due,
                                    issued_on, first_event_on, horizon, snapshot, applied, parked`;
  const lineColumns = sql`invoice_id, line_id, currency, position, net_amount, service_start, service_end, recognized, recognized_through, active`;
  return sql`new_books AS (
      SELECT * FROM jsonb_to_recordset(${p.books}::jsonb) AS x (
        invoice_id text, currency text, status text, version int, total bigint, tax bigint, net_revenue bigint, amount_paid bigint,
        amount_due bigint, issued_on date, first_event_on date, horizon date, snapshot jsonb, applied jsonb, parked jsonb, fresh boolean)
    ), fresh_book AS (
      INSERT INTO revenue_invoices (${bookColumns}, updated_at)
      SELECT ${bookColumns}, clock_timestamp() FROM new_books WHERE fresh
    ), book AS (
      INSERT INTO revenue_invoices (${bookColumns}, updated_at)
      SELECT ${bookColumns}, clock_timestamp() FROM new_books WHERE NOT fresh
      ON CONFLICT (invoice_id) DO UPDATE SET
        currency = excluded.currency, status = excluded.status, version = excluded.version, total = excluded.total,
        tax = excluded.tax, net_revenue = excluded.net_revenue, amount_paid = excluded.amount_paid,
        amount_due = excluded.amount_due, issued_on = excluded.issued_on, first_event_on = excluded.first_event_on,
        horizon = excluded.horizon, snapshot = excluded.snapshot, applied = excluded.applied, parked = excluded.parked,
        updated_at = excluded.updated_at
    ), new_book_events AS (
      SELECT * FROM jsonb_to_recordset(${p.bookEvents}::jsonb) AS x (invoice_id text, event_id uuid, payment_id text, body jsonb, fresh boolean)
    ), fresh_book_events AS (
      INSERT INTO revenue_book_events (invoice_id, event_id, payment_id, body)
      SELECT invoice_id, event_id, payment_id, body FROM new_book_events WHERE fresh
    ), book_events AS (
      INSERT INTO revenue_book_events (invoice_id, event_id, payment_id, body)
      SELECT invoice_id, event_id, payment_id, body FROM new_book_events WHERE NOT fresh
      ON CONFLICT DO NOTHING
    ), new_lines AS (
      SELECT * FROM ${unnestRows(p.lines, LINE_COLUMNS, 'x')}
    ), fresh_lines AS (
      INSERT INTO revenue_lines (${lineColumns})
      SELECT ${lineColumns} FROM new_lines WHERE fresh
    ), upserted AS (
      INSERT INTO revenue_lines (${lineColumns})
      SELECT ${lineColumns} FROM new_lines WHERE NOT fresh
      ON CONFLICT (invoice_id, line_id) DO UPDATE SET
        position = excluded.position, net_amount = excluded.net_amount, service_start = excluded.service_start,
        service_end = excluded.service_end, recognized = excluded.recognized,
        recognized_through = excluded.recognized_through, active = excluded.active
    ), dropped_lines AS (
      DELETE FROM revenue_lines r
      WHERE r.invoice_id = ANY(${p.dropLinesOf}::text[])
        AND NOT EXISTS (SELECT 1 FROM new_lines n WHERE n.invoice_id = r.invoice_id AND n.line_id = r.line_id)
    )`;
}
