import { addMovement, isZeroMovement, zeroMovement, type Movement } from './accounts.ts';
import { INVOICE_BOOK_EVENT_TYPES } from '../../events/eventTypes.ts';
import { resolveTimeline, type BookEvent, type BookEventType } from './invoiceTimeline.ts';
import { entryKey, targetJournal, type EntryKind, type InvoiceOutcome } from './targetJournal.ts';

/** The revenue subscriber's book of one invoice (persisted as revenue_invoices). */
export type InvoiceBook = {
  invoiceId: string;
  /** Events that shape the books, applied. */
  applied: BookEvent[];
  /** Events that came before InvoiceCreated; applied right after it. */
  parked: BookEvent[];
  firstEventOn: string;
  /** Service days before this day are recognised. */
  horizon: string | null;
};

/** What is already in the journal for one entry key of this invoice. */
export type PostedTotal = {
  kind: EntryKind;
  lineId: string | null;
  paymentId: string | null;
  lastOriginDate: string;
  movement: Movement;
};

export type IncomingEvent = {
  eventId: string;
  invoiceId: string;
  type: string;
  occurredAt: string;
  version: number | null;
  data: Record<string, unknown>;
};

export type PostingClock = {
  /** Today (UTC): service days before it have passed. */
  today: string;
  /** First day of the first open month, or null when nothing is closed. */
  firstOpenDay: string | null;
};

export type NewEntry = {
  entryDate: string;
  originDate: string;
  kind: EntryKind;
  lineId: string | null;
  paymentId: string | null;
  movement: Movement;
};

export type PostingResult = {
  /** false: a duplicate or an event without effect on the books. */
  changed: boolean;
  book: InvoiceBook;
  /** null while the invoice is not created yet. */
  outcome: InvoiceOutcome | null;
  horizon: string | null;
  entries: NewEntry[];
};

function isBookEventType(type: string): type is BookEventType {
  return (INVOICE_BOOK_EVENT_TYPES as readonly string[]).includes(type);
}

const later = (a: string, b: string | null) => (b !== null && b > a ? b : a);

/**
 * Given the invoice's book, an event and the clock, decides the new book and the
 * journal entries to add. The entries are the difference between the journal the
 * book's events call for (targetJournal) and what is already posted, so a late,
 * early or repeated event converges on the same books. Amounts whose date falls in
 * a closed month are posted on the first open day instead.
 */
export function postInvoiceEvent(
  book: InvoiceBook | null,
  event: IncomingEvent,
  clock: PostingClock,
  posted: ReadonlyMap<string, PostedTotal>,
): PostingResult {
  const base: InvoiceBook = book ?? { invoiceId: event.invoiceId, applied: [], parked: [], firstEventOn: event.occurredAt, horizon: null };
  const firstEventOn = event.occurredAt < base.firstEventOn ? event.occurredAt : base.firstEventOn;
  const seen = base.applied.some((e) => e.eventId === event.eventId) || base.parked.some((e) => e.eventId === event.eventId);
  const unchanged = { ...base, firstEventOn };
  if (seen || !isBookEventType(event.type)) return reconcile(unchanged, clock, posted, firstEventOn !== base.firstEventOn);

  const effectiveOn = later(event.occurredAt, clock.firstOpenDay);
  const incoming: BookEvent = { eventId: event.eventId, type: event.type, occurredAt: event.occurredAt, effectiveOn, version: event.version, data: event.data };
  const created = base.applied.some((e) => e.type === 'InvoiceCreated');
  if (!created && event.type !== 'InvoiceCreated') {
    return { changed: true, book: { ...unchanged, parked: [...base.parked, incoming] }, outcome: null, horizon: base.horizon, entries: [] };
  }
  // A parked event takes effect when it is applied: a month closed meanwhile moves it.
  const drained = created ? [] : base.parked.map((e) => ({ ...e, effectiveOn: later(e.occurredAt, clock.firstOpenDay) }));
  const next: InvoiceBook = { ...unchanged, applied: [...base.applied, incoming, ...drained], parked: created ? base.parked : [] };
  return reconcile(next, clock, posted, true);
}

/** Posts whatever the book's events call for and the journal lacks (also used after a clock move). */
export function reconcile(book: InvoiceBook, clock: PostingClock, posted: ReadonlyMap<string, PostedTotal>, changed = false): PostingResult {
  const timeline = resolveTimeline(book.applied);
  if (!timeline) return { changed, book, outcome: null, horizon: book.horizon, entries: [] };
  // Recognition stops at the clock: an event dated ahead (at most tomorrow, the
  // import's bound) does not move it; its entries take their catch-up where it stands.
  const horizon = later(later(clock.today, book.horizon), clock.firstOpenDay);
  const { entries: target, outcome } = targetJournal(timeline, horizon);

  const entries: NewEntry[] = [];
  const keys = new Set([...target.keys(), ...posted.keys()]);
  for (const key of keys) {
    const want = target.get(key);
    const have = posted.get(key);
    const delta = addMovement(want?.movement ?? zeroMovement(), have?.movement ?? zeroMovement(), -1);
    if (isZeroMovement(delta)) continue;
    const originDate = want?.originDate ?? have!.lastOriginDate;
    const entryDate = clock.firstOpenDay !== null && originDate < clock.firstOpenDay ? clock.firstOpenDay : originDate;
    const source = (want ?? have)!;
    entries.push({ entryDate, originDate, kind: source.kind, lineId: source.lineId, paymentId: source.paymentId, movement: delta });
  }
  entries.sort((a, b) => (a.entryDate === b.entryDate ? KIND_ORDER[a.kind] - KIND_ORDER[b.kind] : a.entryDate < b.entryDate ? -1 : 1));
  return { changed: changed || entries.length > 0 || horizon !== book.horizon, book: { ...book, horizon }, outcome, horizon, entries };
}

const KIND_ORDER: Record<EntryKind, number> = {
  invoice_issued: 0,
  invoice_updated: 1,
  revenue_adjusted: 2,
  payment_received: 3,
  recognition: 4,
  revenue_reversed: 5,
  invoice_voided: 6,
};
