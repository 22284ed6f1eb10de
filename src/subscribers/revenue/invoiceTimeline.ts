import type { INVOICE_BOOK_EVENT_TYPES } from '../../events/eventTypes.ts';
import type { InvoiceLine } from '../../events/schemas/invoiceEvents.ts';
import { netInvoice, type NetInvoice } from './netLines.ts';

export type BookEventType = (typeof INVOICE_BOOK_EVENT_TYPES)[number];

/** An invoice event kept in the invoice's book (the facts the books are computed from). */
export type BookEvent = {
  eventId: string;
  type: BookEventType;
  occurredAt: string;
  /**
   * The day it takes effect: occurredAt, or the first open day when occurredAt fell in
   * a month already closed when the event was applied (fixed once applied).
   */
  effectiveOn: string;
  version: number | null;
  /** The facts of the event's data the books read (bookFacts); a book written before may hold the full payload. */
  data: Record<string, unknown>;
};

export type TimelineItem =
  | { kind: 'update'; on: string; version: number; invoice: NetInvoice; eventId: string }
  | { kind: 'payment'; on: string; paymentId: string; amount: number; eventId: string }
  | { kind: 'void'; on: string; reason: 'InvoiceVoided' | 'InvoiceDeleted'; eventId: string };

export type Timeline = {
  issuedOn: string;
  initialVersion: number;
  /** The created version; null when the timeline resumes from a snapshot (its fold state holds the invoice). */
  initial: NetInvoice | null;
  /** In business order: by day, then updates, payments, void. */
  items: TimelineItem[];
};

export const RANK = { update: 0, payment: 1, void: 2 } as const;

/**
 * Where a snapshot's fold stopped (bookSnapshot.ts): the facts of the invoice's creation
 * and the decisions of the items folded, which a tail of later items needs to resolve.
 */
export type TimelineStart = { issuedOn: string; initialVersion: number; currency: string; version: number; voidedOn: string | null };

function invoiceOf(e: BookEvent, currency: string): NetInvoice {
  const known = netInvoices.get(e);
  if (known?.currency === currency) return known;
  const invoice = netInvoice(currency, e.data.lines as InvoiceLine[]);
  netInvoices.set(e, invoice);
  return invoice;
}

/**
 * Each create's and update's invoice, by the event (a book event is never changed in
 * place; the invoice is read only): a batch resolves an invoice's timeline once per
 * event it posts, each time over the same create (docs/performance.md).
 */
const netInvoices = new WeakMap<BookEvent, NetInvoice>();

/** Whether (on, eventId) comes before `best`'s: the earliest by (day, eventId), the first of equals kept. */
const before = (on: string, eventId: string, best: { on: string; eventId: string } | undefined) =>
  !best || on < best.on || (on === best.on && eventId < best.eventId);

/**
 * Orders an invoice's events by business time, so the books depend on the set of
 * events and not on delivery order. Rules (REVENUE.md), applied in business order:
 * nothing takes effect before the issue date; an update applies only if its version
 * is above the last applied one (so a stale version is ignored however late it
 * arrives) and not after a void; one payment per paymentId; the first void or delete
 * wins. Where two events claim the same slot (same version, same paymentId), the
 * earliest by (day, eventId) wins, whatever arrived first.
 * It runs for every event posted, over the book's tail: one pass per kind, each slot's
 * winner kept as it goes, no list per slot.
 */
export function resolveTimeline(events: readonly BookEvent[], start?: TimelineStart): Timeline | null {
  // The earliest create by (day, eventId).
  let create: BookEvent | undefined;
  if (!start) {
    for (const e of events) {
      if (e.type !== 'InvoiceCreated') continue;
      if (!create || e.effectiveOn < create.effectiveOn || (e.effectiveOn === create.effectiveOn && e.eventId < create.eventId)) create = e;
    }
  }
  if (!start && !create) return null;
  const issuedOn = start ? start.issuedOn : create!.effectiveOn;
  const currency = start ? start.currency : (create!.data.currency as string);
  const initialVersion = start ? start.initialVersion : (create!.version ?? 1);
  // Resuming, a later create loses to the folded one and a folded void wins over any later one.
  const floorVersion = start ? start.version : initialVersion;
  const on = (e: BookEvent) => (e.effectiveOn < issuedOn ? issuedOn : e.effectiveOn);

  let voidItem: TimelineItem | undefined;
  let updates: Map<number, { on: string; eventId: string; e: BookEvent }> | undefined;
  let payments: Map<string, { on: string; eventId: string; amount: number }> | undefined;
  for (const e of events) {
    if (e.type === 'InvoiceVoided' || e.type === 'InvoiceDeleted') {
      const day = on(e);
      if (before(day, e.eventId, voidItem)) voidItem = { kind: 'void', on: day, reason: e.type, eventId: e.eventId };
    } else if (e.type === 'InvoicePaid' || e.type === 'InvoicePaymentReceived') {
      const id = e.data.paymentId as string;
      const day = on(e);
      payments ??= new Map();
      if (before(day, e.eventId, payments.get(id))) payments.set(id, { on: day, eventId: e.eventId, amount: e.data.amount as number });
    }
  }
  // A folded void stands for itself: no item, only its day.
  if (start?.voidedOn) voidItem = undefined;
  const voidedOn = start?.voidedOn ? start.voidedOn : (voidItem?.on ?? null);
  for (const e of events) {
    if (e.type !== 'InvoiceUpdated' || e.version === null || e.version <= floorVersion) continue;
    const day = on(e);
    if (voidedOn !== null && day > voidedOn) continue;
    updates ??= new Map();
    if (before(day, e.eventId, updates.get(e.version))) updates.set(e.version, { on: day, eventId: e.eventId, e });
  }

  const items: TimelineItem[] = [];
  if (updates) {
    const candidates = [...updates].sort(([va, a], [vb, b]) => (a.on === b.on ? va - vb : a.on < b.on ? -1 : 1));
    let current = floorVersion;
    for (const [version, c] of candidates) {
      if (version <= current) continue; // stale in business order
      current = version;
      items.push({ kind: 'update', on: c.on, version, invoice: invoiceOf(c.e, currency), eventId: c.eventId });
    }
  }
  if (payments) for (const [paymentId, p] of payments) items.push({ kind: 'payment', on: p.on, paymentId, amount: p.amount, eventId: p.eventId });
  if (voidItem) items.push(voidItem);
  if (items.length > 1) items.sort(compareItems);
  return { issuedOn, initialVersion, initial: create ? invoiceOf(create, currency) : null, items };
}

/** An update's tie key: its version, zero-padded so that string order is number order. */
export function versionKey(version: number): string {
  return String(version).padStart(10, '0');
}

export function tieKey(i: TimelineItem): string {
  return i.kind === 'update' ? versionKey(i.version) : i.kind === 'payment' ? i.paymentId : i.eventId;
}

export function compareItems(a: TimelineItem, b: TimelineItem): number {
  if (a.on !== b.on) return a.on < b.on ? -1 : 1;
  if (RANK[a.kind] !== RANK[b.kind]) return RANK[a.kind] - RANK[b.kind];
  const ka = tieKey(a);
  const kb = tieKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
