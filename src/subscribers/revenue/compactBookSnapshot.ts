import { z } from 'zod';
import { movement as toMovement, type Account, type Movement } from './accounts.ts';
import type { NetLine } from './recognition.ts';
import type { EntryKind, FoldCapture, TargetEntry } from './targetJournal.ts';
import type { TimelineStart } from './invoiceTimeline.ts';

/**
 * The book's snapshot as revenue_invoices stores it since schema version 3: positional
 * arrays instead of objects, so a jsonb value does not repeat every key of every carried
 * entry and line. A posting inserts or rewrites the book's row with its snapshot; the
 * keys were ~half of its ~1,130 bytes (issue 10, ninth step). `schemaVersion` and
 * `windowFrom` stay named: loadInvoiceBooks reads both in SQL.
 *
 *   v:     [issuedOn, initialVersion, currency, version, voidedOn,
 *           through.on, through.rank, through.key,
 *           state.version, state.applied, state.cutCredit, state.received, state.voided, state.cursor,
 *           inv.currency, inv.total, inv.tax, inv.netRevenue]
 *   lines: [lineId, amount] or [lineId, amount, serviceStart, serviceEnd]
 *   carry: [kind, originDate, lineId, paymentId, account, amount, account, amount, …]
 *          (only the accounts an entry moves; account = its index in STORED_ACCOUNTS)
 */
export type CompactSnapshotFields = TimelineStart & FoldCapture;

/** The accounts by their stored index: fixed here, whatever order ACCOUNTS has. */
const STORED_ACCOUNTS: readonly Account[] = ['AccountsReceivable', 'Cash', 'DeferredRevenue', 'Revenue', 'TaxPayable', 'CustomerCredit'];

export function compactSnapshot(s: CompactSnapshotFields, schemaVersion: number): unknown {
  const { through, state } = s;
  const { inv } = state;
  return {
    schemaVersion,
    windowFrom: s.windowFrom,
    v: [s.issuedOn, s.initialVersion, s.currency, s.version, s.voidedOn, through.on, through.rank, through.key,
      state.version, state.applied, state.cutCredit, state.received, state.voided, state.cursor,
      inv.currency, inv.total, inv.tax, inv.netRevenue],
    lines: inv.lines.map((l) => (l.servicePeriod ? [l.lineId, l.amount, l.servicePeriod.start, l.servicePeriod.end] : [l.lineId, l.amount])),
    carry: s.carry.map((e) => {
      const out: unknown[] = [e.kind, e.originDate, e.lineId, e.paymentId];
      STORED_ACCOUNTS.forEach((a, i) => {
        if (e.movement[a] !== 0) out.push(i, e.movement[a]);
      });
      return out;
    }),
  };
}

const str = z.string();
const num = z.number();
const compactSchema = z.object({
  windowFrom: str,
  v: z.tuple([str, num, str, num, str.nullable(), str, num, str, num, num, num, num, z.boolean(), str, str, num, num, num]),
  lines: z.array(z.union([z.tuple([str, num]), z.tuple([str, num, str, str])])),
  carry: z.array(z.tuple([str, str, str.nullable(), str.nullable()]).rest(num)),
});

/** A stored compact snapshot's fields, or null when it does not have the shape. */
export function readCompactSnapshot(value: unknown): CompactSnapshotFields | null {
  const parsed = compactSchema.safeParse(value);
  if (!parsed.success) return null;
  const { windowFrom, v, lines, carry } = parsed.data;
  const [issuedOn, initialVersion, currency, version, voidedOn, on, rank, key, sVersion, applied, cutCredit, received, voided, cursor, invCurrency, total, tax, netRevenue] = v;
  const entries: TargetEntry[] = [];
  for (const [kind, originDate, lineId, paymentId, ...moved] of carry) {
    if (moved.length % 2 !== 0) return null;
    const m: Partial<Movement> = {};
    for (let i = 0; i < moved.length; i += 2) {
      const account = STORED_ACCOUNTS[moved[i]!];
      if (account === undefined) return null;
      m[account] = moved[i + 1]!;
    }
    entries.push({ kind: kind as EntryKind, originDate, lineId, paymentId, movement: toMovement(m) });
  }
  const netLines: NetLine[] = lines.map((l) => (l.length === 4 ? { lineId: l[0], amount: l[1], servicePeriod: { start: l[2], end: l[3] } } : { lineId: l[0], amount: l[1] }));
  return {
    issuedOn,
    initialVersion,
    currency,
    version,
    voidedOn,
    through: { on, rank, key },
    windowFrom,
    state: { inv: { currency: invCurrency, total, tax, netRevenue, lines: netLines }, version: sVersion, applied, cutCredit, received, voided, cursor },
    carry: entries,
  };
}
