import { addDays, firstDayOfMonth, monthOf, nextMonth } from '../../values/dates.ts';
import { addMovement, movement, type Movement } from './accounts.ts';
import type { NetInvoice } from './netLines.ts';
import { cumulative, type NetLine } from './recognition.ts';
import { RANK, tieKey, type Timeline, type TimelineItem } from './invoiceTimeline.ts';
import { priceCutCredit } from './priceCutCredit.ts';

export const ENTRY_KINDS = [
  'invoice_issued',
  'recognition',
  'invoice_updated',
  'revenue_adjusted',
  'payment_received',
  'revenue_reversed',
  'invoice_voided',
] as const;
export type EntryKind = (typeof ENTRY_KINDS)[number];

/** What the journal of one invoice must add up to for one key. */
export type TargetEntry = {
  kind: EntryKind;
  originDate: string;
  lineId: string | null;
  paymentId: string | null;
  movement: Movement;
};

/**
 * Entries are compared per key. Recognition is keyed by month (its date moves
 * forward as days pass), everything else by its business date.
 */
export function entryKey(kind: EntryKind, originDate: string, lineId: string | null, paymentId: string | null): string {
  const when = kind === 'recognition' ? monthOf(originDate) : originDate;
  return `${kind}|${when}|${lineId ?? ''}|${paymentId ?? ''}`;
}

/** A point in an invoice's business order: (day, kind rank, tie key) as compareItems orders items; rank -1 is the issue. */
export type FoldPosition = { on: string; rank: number; key: string };

/** The fold's running state after some prefix of the timeline. */
export type FoldState = { inv: NetInvoice; version: number; applied: number; cutCredit: number; received: number; voided: boolean; cursor: string };

/** Where to resume a fold: its state, and its target entries from the snapshot's month on. */
export type FoldResume = { state: FoldState; carry: TargetEntry[] };

/** The fold stopped after the last item on or before the horizon (the snapshot a book keeps). */
export type FoldCapture = FoldResume & { through: FoldPosition; windowFrom: string };

export type LineState = NetLine & { position: number; recognized: number; active: boolean };

export type InvoiceOutcome = {
  currency: string;
  status: 'open' | 'paid' | 'void';
  version: number;
  total: number;
  tax: number;
  netRevenue: number;
  amountPaid: number;
  amountDue: number;
  issuedOn: string;
  lines: LineState[];
};

/**
 * The full journal an invoice's events call for, with recognition posted for
 * service days before `horizon` (exclusive). At every day t the revenue recognised
 * for a line is C_v(t) of the version v in effect at t: issue books C(issue day) as
 * catch-up, each day range adds C(b) - C(a), an update adds C_new(d) - C_old(d)
 * (RevenueAdjusted), a void takes back C(d) (RevenueReversed).
 * `resume` starts from a snapshot's fold instead of the issue (the entries before its
 * window are then left out); `capture` returns the fold after the last item on or before
 * the horizon, for the next snapshot.
 */
export function targetJournal(
  t: Timeline,
  horizon: string,
  options: { resume?: FoldResume; capture?: boolean } = {},
): { entries: Map<string, TargetEntry>; outcome: InvoiceOutcome; capture: FoldCapture | null } {
  const entries = new Map<string, TargetEntry>();
  if (options.resume) for (const e of options.resume.carry) entries.set(entryKey(e.kind, e.originDate, e.lineId, e.paymentId), e);
  const add = (kind: EntryKind, date: string, lineId: string | null, paymentId: string | null, m: Movement) => {
    const key = entryKey(kind, date, lineId, paymentId);
    const prior = entries.get(key);
    if (!prior) entries.set(key, { kind, originDate: date, lineId, paymentId, movement: m });
    else entries.set(key, { ...prior, originDate: date > prior.originDate ? date : prior.originDate, movement: addMovement(prior.movement, m) });
  };
  const recognise = (line: NetLine, date: string, amount: number) => {
    if (amount !== 0) add('recognition', date, line.lineId, null, movement({ DeferredRevenue: amount, Revenue: -amount }));
  };

  const issuedOn = t.issuedOn;
  const resumed = options.resume?.state;
  let inv: NetInvoice = resumed?.inv ?? t.initial!;
  let version = resumed?.version ?? t.initialVersion;
  let applied = resumed?.applied ?? 0;
  let cutCredit = resumed?.cutCredit ?? 0;
  let received = resumed?.received ?? 0;
  let voided = resumed?.voided ?? false;
  let cursor = resumed?.cursor ?? issuedOn;
  let capture: FoldCapture | null = null;
  // The carry: target entries of the snapshot's month on, which later items may add to
  // (recognition is keyed by month, the rest by day).
  const captureHere = (through: FoldPosition) => {
    const windowFrom = firstDayOfMonth(monthOf(through.on));
    const carry: TargetEntry[] = [];
    entries.forEach((e) => {
      if (e.originDate >= windowFrom) carry.push(e);
    });
    capture = { through, windowFrom, state: { inv, version, applied, cutCredit, received, voided, cursor }, carry };
  };

  if (!resumed) {
    add('invoice_issued', issuedOn, null, null, movement({ AccountsReceivable: inv.total, DeferredRevenue: -inv.netRevenue, TaxPayable: -inv.tax }));
    for (const line of inv.lines) recognise(line, issuedOn, cumulative(line, issuedOn));
  }
  // The fold can stop after any item on or before the horizon: recognition up to such
  // an item does not depend on what follows. Before the first item, only at the issue.
  // (The last item passed is kept; its position is made only if the fold is captured there.)
  let last: TimelineItem | 'issue' | null = resumed || issuedOn > horizon ? null : 'issue';
  const passed = (item: TimelineItem) => {
    if (item.on <= horizon) last = item;
  };
  const positionOf = (at: TimelineItem | 'issue'): FoldPosition => (at === 'issue' ? { on: issuedOn, rank: -1, key: '' } : { on: at.on, rank: RANK[at.kind], key: tieKey(at) });

  // Service days in [cursor, to), split by month; each month's part is dated the
  // last service day it covers.
  const recogniseUntil = (to: string) => {
    if (to <= cursor) return;
    for (let m = monthOf(cursor), first = firstDayOfMonth(m); first < to; ) {
      const following = nextMonth(m);
      const next = firstDayOfMonth(following);
      const s = cursor > first ? cursor : first;
      const e = next < to ? next : to;
      for (const line of inv.lines) {
        const amount = cumulative(line, e) - cumulative(line, s);
        const end = line.servicePeriod && line.servicePeriod.end < e ? line.servicePeriod.end : e;
        const dayBefore = addDays(end, -1);
        recognise(line, dayBefore < issuedOn ? issuedOn : dayBefore, amount);
      }
      m = following;
      first = next;
    }
    cursor = to;
  };

  for (const item of t.items) {
    if (options.capture && item.on > horizon && !capture && last) captureHere(positionOf(last));
    if (!voided) recogniseUntil(item.on < horizon ? item.on : horizon);
    if (item.kind === 'update') {
      const next = item.invoice;
      const credit = priceCutCredit(next.total, applied, cutCredit);
      add('invoice_updated', item.on, null, null, movement({
        AccountsReceivable: next.total - inv.total + credit.toCredit,
        DeferredRevenue: -(next.netRevenue - inv.netRevenue),
        TaxPayable: -(next.tax - inv.tax),
        CustomerCredit: -credit.toCredit,
      }));
      applied = credit.applied;
      cutCredit = credit.cutCredit;
      // The catch-up is taken where recognition stands (the update's day, or today when
      // the update is dated tomorrow): the books never recognise a day that has not passed.
      const ids = [...new Set([...inv.lines, ...next.lines].map((l) => l.lineId))];
      for (const id of ids) {
        const before = inv.lines.find((l) => l.lineId === id);
        const after = next.lines.find((l) => l.lineId === id);
        const delta = (after ? cumulative(after, cursor) : 0) - (before ? cumulative(before, cursor) : 0);
        if (delta !== 0) add('revenue_adjusted', item.on, id, null, movement({ DeferredRevenue: delta, Revenue: -delta }));
      }
      inv = next;
      version = item.version;
    } else if (item.kind === 'payment') {
      if (item.amount === 0) {
        passed(item);
        continue;
      }
      const open = inv.total - applied;
      const toReceivable = voided ? 0 : Math.max(0, Math.min(item.amount, open));
      add('payment_received', item.on, null, item.paymentId, movement({
        Cash: item.amount,
        AccountsReceivable: -toReceivable,
        CustomerCredit: -(item.amount - toReceivable),
      }));
      applied += toReceivable;
      received += item.amount;
    } else {
      for (const line of inv.lines) {
        const taken = cumulative(line, cursor);
        if (taken !== 0) add('revenue_reversed', item.on, line.lineId, null, movement({ Revenue: taken, DeferredRevenue: -taken }));
      }
      add('invoice_voided', item.on, null, null, movement({
        DeferredRevenue: inv.netRevenue,
        TaxPayable: inv.tax,
        AccountsReceivable: -(inv.total - applied),
        CustomerCredit: -applied,
      }));
      voided = true;
    }
    passed(item);
  }
  if (options.capture && !capture && last) captureHere(positionOf(last));
  if (!voided) recogniseUntil(horizon);

  const outcome: InvoiceOutcome = {
    currency: inv.currency,
    status: voided ? 'void' : applied >= inv.total ? 'paid' : 'open',
    version,
    total: voided ? 0 : inv.total,
    tax: voided ? 0 : inv.tax,
    netRevenue: voided ? 0 : inv.netRevenue,
    amountPaid: received,
    amountDue: voided ? 0 : inv.total - applied,
    issuedOn,
    lines: inv.lines.map((l, position) => ({
      ...l,
      position,
      recognized: voided ? 0 : cumulative(l, cursor),
      active: !voided && l.servicePeriod !== undefined && cursor < l.servicePeriod.end,
    })),
  };
  return { entries, outcome, capture };
}
