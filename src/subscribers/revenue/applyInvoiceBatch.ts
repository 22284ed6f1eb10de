import type { CompiledQuery, RawBuilder } from 'kysely';
import type { Executor } from '../../db/connect.ts';
import type { PlannedRead } from '../../bus/contract/subscriber.ts';
import type { NewEvent } from '../../events/appendEvents.ts';
import type { StoredEvent } from '../../events/envelope.ts';
import { todayUtc } from '../../values/dates.ts';
import { byCodePoint } from '../../values/codePointOrder.ts';
import { loadBookHistories, loadInvoiceBooks, loadPostedTotalsOf } from './ledger/invoiceBooks.ts';
import type { EntryGroup } from './ledger/journal.ts';
import { postingParams, postingQuery, writePostings, type PostingParams } from './ledger/writePostings.ts';
import { firstOpenDayAfter, holdForInvoicePostings, invoicePostingLocks, invoicePostingLocksSql } from './ledger/periodLocks.ts';
import { traceLedgerWrite } from '../../telemetry/instrument.ts';
import { incomingOf } from './incomingEvent.ts';
import type { BookEvent } from './invoiceTimeline.ts';
import { needsFullHistory, postInvoiceEvent, snapshotBook, type InvoiceBook, type PostedTotal } from './postInvoiceEvent.ts';
import { addPosted } from './postedTotals.ts';
import { revenueEventsOf } from './revenueEvents.ts';
import type { InvoiceOutcome } from './targetJournal.ts';

type InvoiceState = {
  book: InvoiceBook | null;
  /** The invoice had a book in the database before this batch. */
  existed: boolean;
  posted: Map<string, PostedTotal>;
  save: { book: InvoiceBook; outcome: InvoiceOutcome | null } | null;
};

/** What applyInvoiceBatch tells of each event (its callers' debug lines): how many entries it posted. */
export type PostingSummary = { entries: number };

/**
 * applyInvoiceEvent for many invoice events in one transaction, with a fixed number
 * of statements instead of ~4.8 per event (each ~1 ms of round trip: the worker's
 * ceiling was ~430 events/s, docs/performance.md): all invoice locks with their line
 * rows, all books with their posted totals, then books, entries and revenue events in
 * one statement (writePostings); a book folded from its full history costs two reads more.
 * In between, the pure posting runs event by event in the order given, each
 * invoice's book and posted totals chained in memory exactly as the next
 * applyInvoiceEvent would read them back. Each invoice's book is saved once, in its
 * last saved state. The caller must not mix in a PeriodClosed (it moves the clock).
 */
export async function applyInvoiceBatch(
  db: Executor,
  events: readonly StoredEvent[],
  now: Date,
  options: {
    locked?: boolean;
    /** Hands the write (the batch's last statement) to the transaction's owner to send with its commit. */
    deferWrite?: (query: CompiledQuery) => Promise<void>;
    /** Runs the books read with a plan made once per session (SubscriberContext.readPlannedOnce). */
    readPlannedOnce?: PlannedRead;
  } = {},
): Promise<PostingSummary[]> {
  if (events.length === 0) return [];
  // Only the statement's parameters (text) and the summaries outlive planPostings: the
  // books read and folded, the entries and the revenue events (several MB a 500-event
  // batch) are garbage before the write's round trip, not copied and promoted by the
  // scavenges the worker's other batch in flight runs meanwhile (docs/performance.md).
  const { summaries, params, ledgerWrite } = await planPostings(db, events, now, options);
  if (params === undefined) return summaries;
  const { deferWrite } = options;
  const write = () => (deferWrite ? deferWrite(postingQuery(db, params)) : writePostings(db, params));
  await (ledgerWrite ? traceLedgerWrite(ledgerWrite, write) : write());
  return summaries;
}

type Plan = { summaries: PostingSummary[]; params: PostingParams | undefined; ledgerWrite: Parameters<typeof traceLedgerWrite>[0] | undefined };

/** The batch's reads and its pure posting, down to the write statement's parameters. */
async function planPostings(db: Executor, events: readonly StoredEvent[], now: Date, options: { locked?: boolean; readPlannedOnce?: PlannedRead }): Promise<Plan> {
  const invoiceIds = invoiceIdsInLockOrder(events);
  // locked: the worker took invoiceBatchLocks(events) in its inbox claim already.
  if (!options.locked) await holdForInvoicePostings(db, invoiceIds);
  const { books, posted, lockedThrough, unreadable } = await loadInvoiceBooks(db, invoiceIds, events.map(postingOf), options.readPlannedOnce);
  const clock = { today: todayUtc(now), firstOpenDay: firstOpenDayAfter(lockedThrough) };
  // A late event (sorting before a book's snapshot) or an unreadable snapshot: that book
  // is folded from every event it applied (the rare path; a statement more).
  const incoming = events.map(incomingOf);
  const refold = [...new Set([...unreadable, ...events.filter((e, i) => needsFullHistory(books.get(e.aggregateId) ?? null, incoming[i]!, clock)).map((e) => e.aggregateId)])];
  if (refold.length > 0) {
    const histories = await loadBookHistories(db, refold);
    for (const id of refold) books.set(id, { ...books.get(id)!, snapshot: null, applied: histories.get(id)!, folded: undefined });
    // Folded in full, those books compare against everything posted, not their snapshot's window.
    for (const [id, totals] of await loadPostedTotalsOf(db, new Map(refold.map((id) => [id, null])))) posted.set(id, totals);
  }
  const states = new Map<string, InvoiceState>(
    invoiceIds.map((id) => [id, { book: books.get(id) ?? null, existed: (books.get(id) ?? null) !== null, posted: posted.get(id) ?? new Map(), save: null }]),
  );

  const summaries: PostingSummary[] = [];
  const groups: (EntryGroup & { event: StoredEvent })[] = [];
  const bookEvents: { invoiceId: string; event: BookEvent }[] = [];
  for (let i = 0; i < events.length; i++) {
    const event = events[i]!;
    const state = states.get(event.aggregateId)!;
    const book = state.book;
    const result = postInvoiceEvent(book, incoming[i]!, clock, book !== null && hasApplied(book) ? state.posted : NOTHING_POSTED);
    summaries.push({ entries: result.entries.length });
    if (!result.changed && book !== null) continue;
    state.book = result.book;
    state.save = { book: result.book, outcome: result.outcome };
    for (const stored of result.stored) bookEvents.push({ invoiceId: event.aggregateId, event: stored });
    if (!result.outcome || result.entries.length === 0) continue;
    // The batch's own map (loadInvoiceBooks' or a fresh one), which nothing else holds: chained in place.
    state.posted = addPosted(state.posted, result.entries);
    groups.push({ invoiceId: event.aggregateId, currency: result.outcome.currency, eventId: event.eventId, entries: result.entries, event });
  }

  // Each saved book folds what it applied into its snapshot, so the next posting reads a tail.
  const saves = [...states.values()].flatMap((s) => (s.save ? [{ ...s.save, book: snapshotBook(s.save.book), existed: s.existed }] : []));
  const revenueEvents: NewEvent[] = revenueEventsOf(groups);
  const params = postingParams({ books: saves, bookEvents, entries: groups, revenueEvents }, { correlationId: groups[0]?.event.correlationId ?? events[0]!.correlationId, actor: 'revenue' });
  if (groups.length === 0) return { summaries, params, ledgerWrite: undefined };
  const entryCount = groups.reduce((n, g) => n + g.entries.length, 0);
  const single = groups.length === 1 ? groups[0]! : undefined;
  return { summaries, params, ledgerWrite: { entries: entryCount, invoiceId: single?.invoiceId, eventId: groups[0]!.eventId! } };
}

const hasApplied = (book: InvoiceBook) => book.snapshot !== null || book.applied.length > 0;
const NOTHING_POSTED: ReadonlyMap<string, PostedTotal> = new Map();

/** What loadInvoiceBooks asks the event store of the books about an event being posted. */
function postingOf(e: StoredEvent): { invoiceId: string; eventId: string; paymentId: string | null } {
  const paymentId = (e.data as { paymentId?: unknown }).paymentId;
  return { invoiceId: e.aggregateId, eventId: e.eventId, paymentId: typeof paymentId === 'string' ? paymentId : null };
}

/**
 * The invoices of a batch in byte order (UTF-8, i.e. code point order), the order the
 * relay's claim locks them in (invoicePostingLocksSql: COLLATE "C"), so every batch,
 * worker's or relay's, takes its invoice locks in one order whatever the ids hold.
 * (JS `<` compares UTF-16 code units, which differs for characters past U+FFFF.)
 */
function invoiceIdsInLockOrder(events: readonly StoredEvent[]): string[] {
  return [...new Set(events.map((e) => e.aggregateId))].sort(byCodePoint);
}

/** The locks applyInvoiceBatch takes first, as the SQL expression the worker's inbox claim evaluates (Subscriber.batchLocks). */
export function invoiceBatchLocks(events: readonly StoredEvent[]): RawBuilder<unknown> {
  return invoicePostingLocks(invoiceIdsInLockOrder(events));
}

/** invoiceBatchLocks over a relation of events (columns type, aggregate_id) in SQL text (Subscriber.batchLocksSql). */
export function invoiceBatchLocksSql(relation: string): string {
  return invoicePostingLocksSql(`SELECT r.aggregate_id AS k FROM ${relation} r WHERE r.type <> 'PeriodClosed'`);
}
