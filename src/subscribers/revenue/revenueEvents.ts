import type { NewEvent } from '../../events/appendEvents.ts';
import type { StoredEvent } from '../../events/envelope.ts';
import type { EntryGroup } from './ledger/journal.ts';
import type { Movement } from './accounts.ts';
import type { EntryKind } from './targetJournal.ts';

export type RevenueEventType = 'RevenueDeferred' | 'RevenueRecognized' | 'RevenueAdjusted' | 'RevenueReversed';

/**
 * The revenue event an entry emits and its signed amount (FORMAT.json revenueEvents):
 * Deferred = net revenue credited to DeferredRevenue at issue; Recognized and Adjusted
 * = revenue credited (signed); Reversed = revenue taken back by void/delete (positive).
 * Updates, payments and void clearing entries emit none.
 */
export function revenueEventOf(kind: EntryKind, m: Movement): { type: RevenueEventType; amount: number } | null {
  switch (kind) {
    case 'invoice_issued':
      return m.DeferredRevenue === 0 ? null : { type: 'RevenueDeferred', amount: -m.DeferredRevenue };
    case 'recognition':
      return m.Revenue === 0 ? null : { type: 'RevenueRecognized', amount: -m.Revenue };
    case 'revenue_adjusted':
      return m.Revenue === 0 ? null : { type: 'RevenueAdjusted', amount: -m.Revenue };
    case 'revenue_reversed':
      return m.Revenue === 0 ? null : { type: 'RevenueReversed', amount: m.Revenue };
    default:
      return null;
  }
}

/**
 * The revenue events a posting's entries emit (its groups in posting order), each dated
 * on its entry and following the invoice event it posts (correlation, causation,
 * trace). Its `data.entryId` is the entry's ordinal among the posting's entries
 * (1-based, flattened: new_entries' ordinality) until writePostings swaps in the id
 * the database draws for it. Read off the entries as they are: no copy of each.
 */
export function revenueEventsOf(groups: readonly (EntryGroup & { event: Pick<StoredEvent, 'eventId' | 'correlationId' | 'traceparent'> })[]): NewEvent[] {
  const out: NewEvent[] = [];
  let ordinal = 0;
  for (const g of groups) {
    for (const e of g.entries) {
      ordinal += 1;
      const emitted = revenueEventOf(e.kind, e.movement);
      if (!emitted) continue;
      const data: Record<string, unknown> = { invoiceId: g.invoiceId, currency: g.currency, amount: emitted.amount, postedOn: e.entryDate };
      if (e.lineId !== null) data.lineId = e.lineId;
      data.entryId = String(ordinal);
      out.push({
        type: emitted.type,
        aggregateId: g.invoiceId,
        occurredAt: e.entryDate,
        source: 'revenue',
        data,
        correlationId: g.event.correlationId,
        causationId: g.event.eventId,
        traceparent: g.event.traceparent,
      });
    }
  }
  return out;
}
