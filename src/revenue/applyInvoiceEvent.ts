import type { Executor } from '../db/connect.ts';
import { appendEvents } from '../events/appendEvents.ts';
import type { StoredEvent } from '../events/envelope.ts';
import { todayUtc } from '../lib/dates.ts';
import { loadInvoiceBook, loadPostedTotals, saveInvoiceBook } from '../ledger/invoiceBooks.ts';
import { appendEntries } from '../ledger/journal.ts';
import { firstOpenDayAfter, holdForInvoicePosting } from '../ledger/periodLocks.ts';
import { postInvoiceEvent, type IncomingEvent, type PostedTotal, type PostingResult } from './postInvoiceEvent.ts';
import { revenueEventsOf } from './revenueEvents.ts';
import { traceLedgerWrite } from '../telemetry/instrument.ts';

/**
 * Applies one invoice event to the books inside the caller's transaction: locks the
 * invoice (events of one invoice may be handled concurrently), runs the pure
 * posting, writes book, entries and the revenue events they emit. The revenue
 * events carry the invoice event as causation and keep its correlation and trace.
 */
export async function applyInvoiceEvent(db: Executor, event: StoredEvent, now: Date): Promise<PostingResult> {
  const invoiceId = event.aggregateId;
  await holdForInvoicePosting(db, invoiceId);
  const { book, lockedThrough } = await loadInvoiceBook(db, invoiceId);
  const clock = { today: todayUtc(now), firstOpenDay: firstOpenDayAfter(lockedThrough) };
  // Only an invoice with a book and applied events can have journal entries.
  const posted = book !== null && book.applied.length > 0 ? await loadPostedTotals(db, invoiceId) : new Map<string, PostedTotal>();
  const result = postInvoiceEvent(
    book,
    incomingOf(event),
    clock,
    posted,
  );
  if (!result.changed && book !== null) return result;
  await saveInvoiceBook(db, result.book, result.outcome);
  if (!result.outcome || result.entries.length === 0) return result;

  const currency = result.outcome.currency;
  const entries = await traceLedgerWrite({ entries: result.entries.length, invoiceId, eventId: event.eventId }, () =>
    appendEntries(db, invoiceId, currency, event.eventId, result.entries),
  );
  const revenueEvents = revenueEventsOf(invoiceId, currency, entries);
  await appendEvents(db, revenueEvents, {
    correlationId: event.correlationId,
    causationId: event.eventId,
    traceparent: event.traceparent,
    actor: 'revenue',
  });
  return result;
}

/** A stored invoice event as the pure posting code takes it. */
export function incomingOf(event: StoredEvent): IncomingEvent {
  return {
    eventId: event.eventId,
    invoiceId: event.aggregateId,
    type: event.type,
    occurredAt: event.occurredAt,
    version: event.aggregateVersion ?? (event.type === 'InvoiceCreated' ? 1 : null),
    data: event.data as Record<string, unknown>,
  };
}
