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

function earliest<T extends { on: string; eventId: string }>(xs: T[]): T | undefined {
  return xs.reduce<T | undefined>((best, x) => (!best || x.on < best.on || (x.on === best.on && x.eventId < best.eventId) ? x : best), undefined);
}

function invoiceOf(e: BookEvent, currency: string): NetInvoice {
  return netInvoice(currency, e.data.lines as InvoiceLine[]);
}

/**
 * Orders an invoice's events by business time, so the books depend on the set of
 * events and not on delivery order. Rules (REVENUE.md), applied in business order:
 * nothing takes effect before the issue date; an update applies only if its version
 * is above the last applied one (so a stale version is ignored however late it
 * arrives) and not after a void; one payment per paymentId; the first void or delete
 * wins. Where two events claim the same slot (same version, same paymentId), the
 * earliest by (day, eventId) wins, whatever arrived first.
 */
export function resolveTimeline(events: readonly BookEvent[], start?: TimelineStart): Timeline | null {
  // The earliest create by (day, eventId), as earliest() picks.
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

  const voids = events
    .filter((e) => e.type === 'InvoiceVoided' || e.type === 'InvoiceDeleted')
    .map((e) => ({ kind: 'void' as const, on: on(e), reason: e.type as 'InvoiceVoided' | 'InvoiceDeleted', eventId: e.eventId }));
  const voided = start?.voidedOn ? { on: start.voidedOn } : earliest(voids);

  const byVersion = new Map<number, { on: string; eventId: string; e: BookEvent }[]>();
  for (const e of events) {
    if (e.type !== 'InvoiceUpdated' || e.version === null || e.version <= floorVersion) continue;
    if (voided && on(e) > voided.on) continue;
    const list = byVersion.get(e.version) ?? [];
    list.push({ on: on(e), eventId: e.eventId, e });
    byVersion.set(e.version, list);
  }
  const candidates = [...byVersion.entries()]
    .map(([version, list]) => ({ version, ...earliest(list)! }))
    .sort((a, b) => (a.on === b.on ? a.version - b.version : a.on < b.on ? -1 : 1));
  const updates: TimelineItem[] = [];
  let current = floorVersion;
  for (const c of candidates) {
    if (c.version <= current) continue; // stale in business order
    current = c.version;
    updates.push({ kind: 'update', on: c.on, version: c.version, invoice: invoiceOf(c.e, currency), eventId: c.eventId });
  }

  const byPayment = new Map<string, { on: string; eventId: string; amount: number }[]>();
  for (const e of events) {
    if (e.type !== 'InvoicePaid' && e.type !== 'InvoicePaymentReceived') continue;
    const id = e.data.paymentId as string;
    const list = byPayment.get(id) ?? [];
    list.push({ on: on(e), eventId: e.eventId, amount: e.data.amount as number });
    byPayment.set(id, list);
  }
  const payments: TimelineItem[] = [...byPayment.entries()].map(([paymentId, list]) => {
    const p = earliest(list)!;
    return { kind: 'payment', on: p.on, paymentId, amount: p.amount, eventId: p.eventId };
  });

  const voidItem = voided && 'kind' in voided ? [voided] : [];
  const items = [...updates, ...payments, ...voidItem].sort(compareItems);
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
