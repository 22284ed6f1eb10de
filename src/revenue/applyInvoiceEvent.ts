import type { Executor } from '../db/connect.ts';
import { appendEvents, type NewEvent } from '../events/appendEvents.ts';
import type { StoredEvent } from '../events/envelope.ts';
import { todayUtc } from '../lib/dates.ts';
import { loadInvoiceBook, loadPostedTotals, saveInvoiceBook } from '../ledger/invoiceBooks.ts';
import { appendEntries } from '../ledger/journal.ts';
import { firstOpenDayAfter, holdForInvoicePosting } from '../ledger/periodLocks.ts';
import { postInvoiceEvent, type PostedTotal, type PostingResult } from './postInvoiceEvent.ts';
import { revenueEventOf } from './revenueEvents.ts';
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
    {
      eventId: event.eventId,
      invoiceId,
      type: event.type,
      occurredAt: event.occurredAt,
      version: event.aggregateVersion ?? (event.type === 'InvoiceCreated' ? 1 : null),
      data: event.data as Record<string, unknown>,
    },
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
  const revenueEvents: NewEvent[] = [];
  for (const e of entries) {
    const emitted = revenueEventOf(e.kind, e.movement);
    if (!emitted) continue;
    revenueEvents.push({
      type: emitted.type,
      aggregateId: invoiceId,
      occurredAt: e.entryDate,
      source: 'revenue',
      data: {
        invoiceId,
        currency,
        amount: emitted.amount,
        postedOn: e.entryDate,
        ...(e.lineId !== null ? { lineId: e.lineId } : {}),
        entryId: String(e.entryId),
      },
    });
  }
  await appendEvents(db, revenueEvents, {
    correlationId: event.correlationId,
    causationId: event.eventId,
    traceparent: event.traceparent,
    actor: 'revenue',
  });
  return result;
}
