import { ACCOUNTS, naturalSign, zeroMovement, type Movement } from '../../../src/subscribers/revenue/accounts.ts';
import { withPosted } from '../../../src/subscribers/revenue/postedTotals.ts';
import {
  postInvoiceEvent,
  type IncomingEvent,
  type InvoiceBook,
  type NewEntry,
  type PostedTotal,
  type PostingClock,
} from '../../../src/subscribers/revenue/postInvoiceEvent.ts';
import type { InvoiceOutcome } from '../../../src/subscribers/revenue/targetJournal.ts';
import { revenueEventOf } from '../../../src/subscribers/revenue/revenueEvents.ts';

export type JournalRow = NewEntry & { invoiceId: string; currency: string };

/**
 * The pure posting code with an in-memory journal instead of Postgres: the
 * given/when/then harness of the unit and property tests.
 */
export function memoryBooks() {
  const books = new Map<string, InvoiceBook>();
  const outcomes = new Map<string, InvoiceOutcome>();
  const journal: JournalRow[] = [];

  // The journal read back as the database's posted totals (the same grouping).
  const posted = (invoiceId: string): Map<string, PostedTotal> =>
    withPosted(new Map(), journal.filter((j) => j.invoiceId === invoiceId));

  function apply(event: IncomingEvent, clock: PostingClock) {
    const result = postInvoiceEvent(books.get(event.invoiceId) ?? null, event, clock, posted(event.invoiceId));
    books.set(event.invoiceId, result.book);
    if (result.outcome) outcomes.set(event.invoiceId, result.outcome);
    for (const e of result.entries) journal.push({ ...e, invoiceId: event.invoiceId, currency: result.outcome!.currency });
    return result;
  }

  /** Natural-sign movement per currency, month and account (FORMAT netMovementByPeriod). */
  function netMovement(): Record<string, Record<string, Movement>> {
    const out: Record<string, Record<string, Movement>> = {};
    for (const e of journal) {
      const month = e.entryDate.slice(0, 7);
      const byMonth = (out[e.currency] ??= {});
      const m = (byMonth[month] ??= zeroMovement());
      for (const a of ACCOUNTS) m[a] += naturalSign(a, e.movement[a]);
    }
    return out;
  }

  /** Months with any non-zero movement, natural sign. */
  function activeMonths(): Record<string, Record<string, Movement>> {
    const out = netMovement();
    for (const byMonth of Object.values(out)) {
      for (const [m, v] of Object.entries(byMonth)) if (ACCOUNTS.every((a) => v[a] === 0)) delete byMonth[m];
    }
    return out;
  }

  /** Revenue (credits - debits) per currency and month, non-zero months only. */
  function revenueByMonth(): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    for (const [c, byMonth] of Object.entries(netMovement())) {
      for (const [m, v] of Object.entries(byMonth)) if (v.Revenue !== 0) (out[c] ??= {})[m] = v.Revenue;
    }
    return out;
  }

  /** Totals of the revenue events the entries emit, per currency. */
  function revenueEvents(): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    for (const e of journal) {
      const ev = revenueEventOf(e.kind, e.movement);
      if (!ev) continue;
      const t = (out[e.currency] ??= { RevenueDeferred: 0, RevenueRecognized: 0, RevenueAdjusted: 0, RevenueReversed: 0 });
      t[ev.type]! += ev.amount;
    }
    // Events that net to zero (a deferral a later delivery order corrected) total what no event does.
    return Object.fromEntries(Object.entries(out).filter(([, totals]) => Object.values(totals).some((v) => v !== 0)));
  }

  return { books, outcomes, journal, apply, posted, netMovement, activeMonths, revenueByMonth, revenueEvents };
}

/** A scenario operation as an incoming event. */
export function incoming(op: { eventId: string; type: string; occurredAt: string; invoiceId?: string; version?: number; data: unknown }): IncomingEvent {
  return {
    eventId: op.eventId,
    invoiceId: op.invoiceId ?? '',
    type: op.type,
    occurredAt: op.occurredAt,
    version: op.version ?? (op.type === 'InvoiceCreated' ? 1 : null),
    data: op.data as Record<string, unknown>,
  };
}
