import { z } from 'zod';
import { movement as toMovement, type Movement } from './accounts.ts';
import { compactSnapshot, readCompactSnapshot } from './compactBookSnapshot.ts';
import { RANK, resolveTimeline, versionKey, type BookEvent, type Timeline, type TimelineStart } from './invoiceTimeline.ts';
import { targetJournal, type FoldCapture, type FoldPosition } from './targetJournal.ts';

/**
 * The compact part of an invoice's book: the fold of its timeline up to `through` (the
 * state targetJournal had there, and the target entries from `windowFrom` on that later
 * items may still add to), plus what resolving later events needs from the folded
 * ones. The book keeps it and the events since (InvoiceBook.applied), so a posting
 * folds the tail only, whatever the invoice's history (issue 15).
 *
 * Snapshot + tail gives the books a full fold would as long as every event in the tail
 * sorts after `through` in business order; an event that sorts at or before it (a late
 * event, or a second InvoiceCreated) needs the full fold: `needsFullHistory`.
 */
export const BOOK_SNAPSHOT_SCHEMA_VERSION = 3;
/**
 * The versions parseBookSnapshot reads: 3 is positional (compactBookSnapshot.ts); 2
 * stored objects with the carry's movements sparse (an account without movement left
 * out), 1 stored all six; 1 and 2 read the same. A process that does not know a
 * book's version folds it from its events (version 3 with one knowing only 1 and 2).
 */
export const READABLE_BOOK_SNAPSHOT_VERSIONS = [1, 2, 3] as const;

export type BookSnapshot = TimelineStart & FoldCapture & { schemaVersion: (typeof READABLE_BOOK_SNAPSHOT_VERSIONS)[number] };

// Every account, whether stored or left out as zero.
const movement = z.record(z.string(), z.number()).transform((m) => toMovement(m as Partial<Movement>));
const entry = z.object({ kind: z.string(), originDate: z.string(), lineId: z.string().nullable(), paymentId: z.string().nullable(), movement });
const line = z.object({ lineId: z.string(), amount: z.number(), servicePeriod: z.object({ start: z.string(), end: z.string() }).optional() });
const snapshotSchema = z.object({
  schemaVersion: z.literal([1, 2]),
  issuedOn: z.string(),
  initialVersion: z.number(),
  currency: z.string(),
  version: z.number(),
  voidedOn: z.string().nullable(),
  through: z.object({ on: z.string(), rank: z.number(), key: z.string() }),
  windowFrom: z.string(),
  state: z.object({
    inv: z.object({ currency: z.string(), total: z.number(), tax: z.number(), netRevenue: z.number(), lines: z.array(line) }),
    version: z.number(),
    applied: z.number(),
    cutCredit: z.number(),
    received: z.number(),
    voided: z.boolean(),
    cursor: z.string(),
  }),
  carry: z.array(entry),
});

/** A stored snapshot, or null when it is missing or of another schema version (the book is then folded from its events). */
export function parseBookSnapshot(value: unknown): BookSnapshot | null {
  if (isRecord(value) && value.schemaVersion === 3) {
    const fields = readCompactSnapshot(value);
    return fields === null ? null : { ...fields, schemaVersion: 3 };
  }
  const parsed = snapshotSchema.safeParse(value);
  return parsed.success ? (parsed.data as BookSnapshot) : null;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The snapshot as revenue_invoices stores it (current schema version): positional
 * (compactBookSnapshot.ts), each carried entry with only the accounts it moves.
 */
export function storedSnapshot(snapshot: BookSnapshot): unknown {
  return compactSnapshot(snapshot, BOOK_SNAPSHOT_SCHEMA_VERSION);
}

export function comparePositions(a: FoldPosition, b: FoldPosition): number {
  if (a.on !== b.on) return a.on < b.on ? -1 : 1;
  if (a.rank !== b.rank) return a.rank - b.rank;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** Where an event's item would sort in the timeline (compareItems), its day clamped to the issue as resolveTimeline does. */
export function eventPosition(e: Pick<BookEvent, 'type' | 'effectiveOn' | 'eventId' | 'version' | 'data'>, issuedOn: string): FoldPosition {
  const on = e.effectiveOn < issuedOn ? issuedOn : e.effectiveOn;
  switch (e.type) {
    case 'InvoiceCreated':
      return { on, rank: -1, key: '' };
    case 'InvoiceUpdated':
      return { on, rank: RANK.update, key: versionKey(e.version ?? 0) };
    case 'InvoicePaid':
    case 'InvoicePaymentReceived':
      return { on, rank: RANK.payment, key: String(e.data.paymentId) };
    default:
      return { on, rank: RANK.void, key: e.eventId };
  }
}

/**
 * Whether folding `event` onto the snapshot could differ from a full fold: a create
 * (the earliest create wins, which may be this one) or an item that sorts at or before
 * the snapshot's last folded item.
 */
export function sortsIntoSnapshot(snapshot: BookSnapshot, event: Pick<BookEvent, 'type' | 'effectiveOn' | 'eventId' | 'version' | 'data'>): boolean {
  if (event.type === 'InvoiceCreated') return true;
  return comparePositions(eventPosition(event, snapshot.issuedOn), snapshot.through) <= 0;
}

/**
 * Folds the applied events that sort on or before `horizon` into the snapshot (pure;
 * the book's horizon is where recognition stands after its postings). Returns the new
 * snapshot and the events still after it, or null when nothing more can be folded.
 * A payment still in the tail whose payment id a folded event holds is dropped: the
 * earlier event wins (resolveTimeline), so it can have no effect.
 */
export function foldIntoSnapshot(
  snapshot: BookSnapshot | null,
  applied: readonly BookEvent[],
  horizon: string,
): { snapshot: BookSnapshot; applied: BookEvent[] } | null {
  const timeline = resolveTimeline(applied, snapshot ?? undefined);
  if (!timeline) return null;
  const resume = snapshot ? { state: snapshot.state, carry: snapshot.carry } : undefined;
  return snapshotAt(snapshot, applied, timeline, targetJournal(timeline, horizon, { resume, capture: true }).capture);
}

/**
 * foldIntoSnapshot's answer from a fold already made: `timeline` resolved from `applied`
 * on `snapshot`, and `capture` what targetJournal captured folding it to the horizon
 * (reconcile's fold of the book being saved: postInvoiceEvent.ts).
 */
export function snapshotAt(
  snapshot: BookSnapshot | null,
  applied: readonly BookEvent[],
  timeline: Timeline,
  capture: FoldCapture | null,
): { snapshot: BookSnapshot; applied: BookEvent[] } | null {
  if (!capture) return null;
  const issuedOn = timeline.issuedOn;
  const folded = (e: BookEvent) => comparePositions(eventPosition(e, issuedOn), capture.through) <= 0;
  const heldPayments = new Set(applied.filter((e) => folded(e) && isPayment(e)).map((e) => String(e.data.paymentId)));
  const voidItem = timeline.items.find((i) => i.kind === 'void');
  return {
    snapshot: {
      schemaVersion: BOOK_SNAPSHOT_SCHEMA_VERSION,
      issuedOn,
      initialVersion: timeline.initialVersion,
      currency: capture.state.inv.currency,
      version: capture.state.version,
      voidedOn: capture.state.voided ? (snapshot?.voidedOn ?? voidItem!.on) : null,
      ...capture,
    },
    applied: applied.filter((e) => !folded(e) && !(isPayment(e) && heldPayments.has(String(e.data.paymentId)))),
  };
}

/** A folded event holding a payment id, as the event store of the books has it (revenue_book_events). */
export type HeldPayment = { eventId: string; effectiveOn: string; amount: number };

/**
 * What an incoming payment does against the folded events that hold its payment id
 * (resolveTimeline: one payment per id, the earliest by (day, eventId) wins):
 * 'none': no folded event holds it; 'loses': a folded one wins, or the incoming one
 * would win on the same day with the same amount (a payment item is its day, id and
 * amount, so the books are the same whichever event stands for it); 'wins': it would
 * replace the folded payment, which only a full fold can do. The usual repeat (the
 * InvoicePaid that follows an InvoicePaymentReceived of the same payment) loses
 * without reading the invoice's history.
 */
export function againstHeldPayment(held: readonly HeldPayment[], incoming: Pick<BookEvent, 'eventId' | 'effectiveOn' | 'data'>, issuedOn: string): 'none' | 'loses' | 'wins' {
  if (held.length === 0) return 'none';
  const on = (day: string) => (day < issuedOn ? issuedOn : day);
  const earlier = (a: { on: string; eventId: string }, b: { on: string; eventId: string }) => a.on < b.on || (a.on === b.on && a.eventId < b.eventId);
  const winner = held.map((h) => ({ ...h, on: on(h.effectiveOn) })).reduce((a, b) => (earlier(b, a) ? b : a));
  const mine = { on: on(incoming.effectiveOn), eventId: incoming.eventId };
  if (!earlier(mine, winner)) return 'loses';
  return mine.on === winner.on && incoming.data.amount === winner.amount ? 'loses' : 'wins';
}

export function isPayment(e: Pick<BookEvent, 'type'>): boolean {
  return e.type === 'InvoicePaid' || e.type === 'InvoicePaymentReceived';
}
