import { isPayment, type HeldPayment } from '../../../src/subscribers/revenue/bookSnapshot.ts';
import type { BookEvent } from '../../../src/subscribers/revenue/invoiceTimeline.ts';
import { withPosted } from '../../../src/subscribers/revenue/postedTotals.ts';
import {
  needsFullHistory,
  postInvoiceEvent,
  snapshotBook,
  type IncomingEvent,
  type InvoiceBook,
  type PostedTotal,
  type PostingClock,
  type PostingResult,
} from '../../../src/subscribers/revenue/postInvoiceEvent.ts';
import type { InvoiceOutcome } from '../../../src/subscribers/revenue/targetJournal.ts';
import type { JournalRow } from './memoryBooks.ts';

/**
 * The pure posting as the database path runs it with snapshots (applyInvoiceBatch):
 * the event store of the books (revenue_book_events) in memory, the book loaded with
 * what the store says about the folded events, the full history loaded when an event
 * sorts into the snapshot, the posted totals read from the snapshot's window only, and
 * the book folded into a new snapshot when `snapshotAfter` says so.
 */
export function snapshotMemoryBooks() {
  const books = new Map<string, InvoiceBook>();
  const stored = new Map<string, BookEvent[]>();
  const outcomes = new Map<string, InvoiceOutcome>();
  const journal: JournalRow[] = [];
  let fullFolds = 0;

  const posted = (invoiceId: string, windowFrom: string | null): Map<string, PostedTotal> =>
    new Map([...withPosted(new Map(), journal.filter((j) => j.invoiceId === invoiceId))].filter(([, p]) => windowFrom === null || p.lastOriginDate >= windowFrom));

  function load(event: IncomingEvent, clock: PostingClock): InvoiceBook | null {
    const book = books.get(event.invoiceId);
    if (!book) return null;
    const all = stored.get(event.invoiceId) ?? [];
    const tail = new Set(book.applied.map((e) => e.eventId));
    const folded = all.filter((e) => !tail.has(e.eventId));
    const withFolded: InvoiceBook = {
      ...book,
      folded: {
        eventIds: new Set(folded.filter((e) => e.eventId === event.eventId).map((e) => e.eventId)),
        payments: folded.filter(isPayment).reduce((m, e) => {
          const id = String(e.data.paymentId);
          return m.set(id, [...(m.get(id) ?? []), { eventId: e.eventId, effectiveOn: e.effectiveOn, amount: e.data.amount as number }]);
        }, new Map<string, HeldPayment[]>()),
      },
    };
    if (!needsFullHistory(withFolded, event, clock)) return withFolded;
    fullFolds++;
    return { ...book, snapshot: null, applied: [...all] };
  }

  function apply(event: IncomingEvent, clock: PostingClock, snapshotAfter = true): PostingResult {
    const book = load(event, clock);
    const result = postInvoiceEvent(book, event, clock, posted(event.invoiceId, book?.snapshot?.windowFrom ?? null));
    stored.set(event.invoiceId, [...(stored.get(event.invoiceId) ?? []), ...result.stored]);
    const { folded: _, ...saved } = snapshotAfter ? snapshotBook(result.book) : result.book;
    books.set(event.invoiceId, saved);
    if (result.outcome) outcomes.set(event.invoiceId, result.outcome);
    for (const e of result.entries) journal.push({ ...e, invoiceId: event.invoiceId, currency: result.outcome!.currency });
    return result;
  }

  return { books, outcomes, journal, apply, fullFolds: () => fullFolds };
}
