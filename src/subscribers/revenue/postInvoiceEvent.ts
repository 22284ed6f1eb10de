import { addMovement, zeroMovement, type Movement } from './accounts.ts';
import { INVOICE_BOOK_EVENT_TYPES } from '../../events/eventTypes.ts';
import { InvariantError } from '../../errors.ts';
import { bookFacts } from './bookFacts.ts';
import { againstHeldPayment, foldIntoSnapshot, isPayment, snapshotAt, sortsIntoSnapshot, type BookSnapshot, type HeldPayment } from './bookSnapshot.ts';
import { resolveTimeline, type BookEvent, type BookEventType, type Timeline } from './invoiceTimeline.ts';
import { targetJournal, type EntryKind, type FoldCapture, type InvoiceOutcome, type TargetEntry } from './targetJournal.ts';

/** The revenue subscriber's book of one invoice (persisted as revenue_invoices). */
export type InvoiceBook = {
  invoiceId: string;
  /** The fold of the events applied before `applied` (null: `applied` holds them all). */
  snapshot: BookSnapshot | null;
  /** Events that shape the books, applied since the snapshot. */
  applied: BookEvent[];
  /**
   * Of the events being posted, what the event store of the books (revenue_book_events)
   * says about those folded into the snapshot: which are already applied, and the
   * folded events holding their payment ids, by payment id. Loaded with the book;
   * absent without a snapshot.
   */
  folded?: { eventIds: ReadonlySet<string>; payments: ReadonlyMap<string, readonly HeldPayment[]> };
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
  /** Events applied by this posting, for the event store of the books (a full fold reads them back). */
  stored: BookEvent[];
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
  const base: InvoiceBook = book ?? { invoiceId: event.invoiceId, snapshot: null, applied: [], parked: [], firstEventOn: event.occurredAt, horizon: null };
  const firstEventOn = event.occurredAt < base.firstEventOn ? event.occurredAt : base.firstEventOn;
  const unchanged = { ...base, firstEventOn };
  const incoming = bookEventOf(base, event, clock);
  if (!incoming) return reconcile(unchanged, clock, posted, firstEventOn !== base.firstEventOn);

  const place = placeOnBook(base, incoming);
  if (place === 'full') {
    throw new InvariantError(`event ${event.eventId} sorts into the snapshot of invoice ${event.invoiceId}: post it on the book's full history`);
  }
  // A payment whose id a folded event holds and that changes nothing: stored, never in the tail.
  const lost = place === 'lost';
  const created = base.snapshot !== null || base.applied.some((e) => e.type === 'InvoiceCreated');
  if (!created && event.type !== 'InvoiceCreated') {
    return { changed: true, book: { ...unchanged, parked: [...base.parked, incoming] }, outcome: null, horizon: base.horizon, entries: [], stored: [] };
  }
  // A parked event takes effect when it is applied: a month closed meanwhile moves it.
  const drained = created ? [] : base.parked.map((e) => ({ ...e, effectiveOn: later(e.occurredAt, clock.firstOpenDay) }));
  const next: InvoiceBook = { ...unchanged, applied: [...base.applied, ...(lost ? [] : [incoming]), ...drained], parked: created ? base.parked : [] };
  return { ...reconcile(next, clock, posted, true), stored: [incoming, ...drained] };
}

/** The event as the book keeps it, or null when it does not shape the books or is already applied or parked. */
export function bookEventOf(book: InvoiceBook | null, event: IncomingEvent, clock: PostingClock): BookEvent | null {
  if (!isBookEventType(event.type)) return null;
  const seen = (e: BookEvent) => e.eventId === event.eventId;
  if (book && (book.applied.some(seen) || book.parked.some(seen) || book.folded?.eventIds.has(event.eventId))) return null;
  const effectiveOn = later(event.occurredAt, clock.firstOpenDay);
  return { eventId: event.eventId, type: event.type, occurredAt: event.occurredAt, effectiveOn, version: event.version, data: bookFacts(event.type, event.data) };
}

/** Whether posting `event` onto this book needs every event the invoice applied: it sorts at or before the snapshot point (a late event, a second create). */
export function needsFullHistory(book: InvoiceBook | null, event: IncomingEvent, clock: PostingClock): boolean {
  if (!book?.snapshot) return false;
  const incoming = bookEventOf(book, event, clock);
  return incoming !== null && placeOnBook(book, incoming) === 'full';
}

/**
 * Where an event goes on a book: after its snapshot ('tail'); nowhere ('lost': a payment
 * whose id a folded event holds and which changes nothing, againstHeldPayment); or it
 * sorts into the snapshot ('full': only a fold of the book's whole history can post it).
 */
function placeOnBook(book: InvoiceBook, incoming: BookEvent): 'tail' | 'lost' | 'full' {
  if (!book.snapshot) return 'tail';
  if (isPayment(incoming) && againstHeldPayment(book.folded?.payments.get(String(incoming.data.paymentId)) ?? [], incoming, book.snapshot.issuedOn) === 'loses') return 'lost';
  return sortsIntoSnapshot(book.snapshot, incoming) ? 'full' : 'tail';
}

/** The book with what it applied folded into its snapshot as far as its horizon allows (done when a book is saved). */
export function snapshotBook(book: InvoiceBook): InvoiceBook {
  if (book.horizon === null) return book;
  const fold = folds.get(book);
  const folded = fold ? snapshotAt(book.snapshot, book.applied, fold.timeline, fold.capture) : foldIntoSnapshot(book.snapshot, book.applied, book.horizon);
  return folded ? { ...book, snapshot: folded.snapshot, applied: folded.applied } : book;
}

/** Posts whatever the book's events call for and the journal lacks (also used after a clock move). */
export function reconcile(book: InvoiceBook, clock: PostingClock, posted: ReadonlyMap<string, PostedTotal>, changed = false): PostingResult {
  const snapshot = book.snapshot;
  const timeline = resolveTimeline(book.applied, snapshot ?? undefined);
  if (!timeline) return { changed, book, outcome: null, horizon: book.horizon, entries: [], stored: [] };
  // Recognition stops at the clock: an event dated ahead (at most tomorrow, the
  // import's bound) does not move it; its entries take their catch-up where it stands.
  const horizon = later(later(clock.today, book.horizon), clock.firstOpenDay);
  const resume = snapshot ? { state: snapshot.state, carry: snapshot.carry } : undefined;
  // Captured as the book's snapshot would fold it (snapshotBook): the same fold, once.
  const { entries: target, outcome, capture } = targetJournal(timeline, horizon, { resume, capture: true });

  // With a snapshot the target holds the keys from its window on; what is posted before
  // the window equals what the snapshot folded, and is left out of the comparison.
  const windowFrom = snapshot ? snapshot.windowFrom : null;
  const firstOpenDay = clock.firstOpenDay;
  const entries: NewEntry[] = [];
  // Every key of the target, then the posted keys it lacks (in the window): the order a
  // Set of both would iterate, without building it (this runs for every event posted;
  // forEach: no [key, value] array per entry).
  target.forEach((want, key) => pushDifference(entries, want, posted.get(key), firstOpenDay));
  posted.forEach((have, key) => {
    if (!target.has(key) && (windowFrom === null || have.lastOriginDate >= windowFrom)) pushDifference(entries, undefined, have, firstOpenDay);
  });
  if (entries.length > 1) entries.sort(inPostingOrder);
  const reconciled = { ...book, horizon };
  folds.set(reconciled, { timeline, capture });
  return { changed: changed || entries.length > 0 || horizon !== book.horizon, book: reconciled, outcome, horizon, entries, stored: [] };
}

/**
 * The fold reconcile made of each book it returned (its snapshot, events and horizon,
 * which a book never changes in place): snapshotBook folds the book it saves with it
 * instead of resolving and folding the same tail again (once per book a batch saves,
 * ~8 % of a drain worker's allocation, docs/performance.md).
 */
const folds = new WeakMap<InvoiceBook, { timeline: Timeline; capture: FoldCapture | null }>();

/** The entry that brings what is posted for a key to what the target wants (none when they agree: most keys, nothing allocated). */
function pushDifference(entries: NewEntry[], want: TargetEntry | undefined, have: PostedTotal | undefined, firstOpenDay: string | null): void {
  const a = want?.movement ?? NO_MOVEMENT;
  const b = have?.movement ?? NO_MOVEMENT;
  if (sameMovement(a, b)) return;
  const originDate = want?.originDate ?? have!.lastOriginDate;
  const entryDate = firstOpenDay !== null && originDate < firstOpenDay ? firstOpenDay : originDate;
  const source = (want ?? have)!;
  entries.push({ entryDate, originDate, kind: source.kind, lineId: source.lineId, paymentId: source.paymentId, movement: addMovement(a, b, -1) });
}

/** a − b is zero in every account (isZeroMovement(addMovement(a, b, -1)), without the new movement). */
function sameMovement(a: Movement, b: Movement): boolean {
  return a.AccountsReceivable === b.AccountsReceivable && a.Cash === b.Cash && a.DeferredRevenue === b.DeferredRevenue
    && a.Revenue === b.Revenue && a.TaxPayable === b.TaxPayable && a.CustomerCredit === b.CustomerCredit;
}

const inPostingOrder = (a: NewEntry, b: NewEntry) => (a.entryDate === b.entryDate ? KIND_ORDER[a.kind] - KIND_ORDER[b.kind] : a.entryDate < b.entryDate ? -1 : 1);

// Read only (addMovement makes a new one).
const NO_MOVEMENT: Movement = Object.freeze(zeroMovement());

const KIND_ORDER: Record<EntryKind, number> = {
  invoice_issued: 0,
  invoice_updated: 1,
  revenue_adjusted: 2,
  payment_received: 3,
  recognition: 4,
  revenue_reversed: 5,
  invoice_voided: 6,
};
