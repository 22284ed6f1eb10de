import { ACCOUNTS, addMovement, naturalSign, zeroMovement, type Movement } from '../../src/revenue/accounts.ts';
import {
  entryKey,
  postInvoiceEvent,
  type IncomingEvent,
  type InvoiceBook,
  type NewEntry,
  type PostedTotal,
  type PostingClock,
} from '../../src/revenue/postInvoiceEvent.ts';
import type { InvoiceOutcome } from '../../src/revenue/targetJournal.ts';

export type JournalRow = NewEntry & { invoiceId: string; currency: string };

/**
 * The pure posting code with an in-memory journal instead of Postgres: the
 * given/when/then harness of the unit and property tests.
 */
export function memoryBooks() {
  const books = new Map<string, InvoiceBook>();
  const outcomes = new Map<string, InvoiceOutcome>();
  const journal: JournalRow[] = [];

  function posted(invoiceId: string): Map<string, PostedTotal> {
    const out = new Map<string, PostedTotal>();
    for (const e of journal.filter((j) => j.invoiceId === invoiceId)) {
      const key = entryKey(e.kind, e.originDate, e.lineId, e.paymentId);
      const prior = out.get(key);
      out.set(key, {
        kind: e.kind,
        lineId: e.lineId,
        paymentId: e.paymentId,
        lastOriginDate: prior && prior.lastOriginDate > e.originDate ? prior.lastOriginDate : e.originDate,
        movement: addMovement(prior?.movement ?? zeroMovement(), e.movement),
      });
    }
    return out;
  }

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

  return { books, outcomes, journal, apply, posted, netMovement };
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
