import { addMovement, zeroMovement } from './accounts.ts';
import type { NewEntry, PostedTotal } from './postInvoiceEvent.ts';
import { entryKey } from './targetJournal.ts';

/**
 * The posted totals after appending entries, as loadPostedTotalsOf
 * (src/subscribers/revenue/ledger/invoiceBooks.ts) would read them back: grouped by entryKey (recognition
 * per origin month), movements summed, the latest origin date kept. Lets a batch chain an invoice's postings in memory.
 */
export function withPosted(posted: ReadonlyMap<string, PostedTotal>, entries: readonly NewEntry[]): Map<string, PostedTotal> {
  return addPosted(new Map(posted), entries);
}

/** withPosted in place: for a map its caller owns (a batch's chain of one invoice's postings: no copy per event). */
export function addPosted(posted: Map<string, PostedTotal>, entries: readonly NewEntry[]): Map<string, PostedTotal> {
  for (const e of entries) {
    const key = entryKey(e.kind, e.originDate, e.lineId, e.paymentId);
    const prior = posted.get(key);
    posted.set(key, {
      kind: e.kind,
      lineId: e.lineId,
      paymentId: e.paymentId,
      lastOriginDate: prior && prior.lastOriginDate > e.originDate ? prior.lastOriginDate : e.originDate,
      movement: prior ? addMovement(prior.movement, e.movement) : addMovement(NONE, e.movement),
    });
  }
  return posted;
}

const NONE = Object.freeze(zeroMovement());
