import type { NewEvent } from '../../events/appendEvents.ts';
import type { PostedEntry } from './ledger/journal.ts';
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

/** The revenue events an invoice's newly posted entries emit, dated on each entry. */
export function revenueEventsOf(invoiceId: string, currency: string, entries: readonly PostedEntry[]): NewEvent[] {
  const out: NewEvent[] = [];
  for (const e of entries) {
    const emitted = revenueEventOf(e.kind, e.movement);
    if (!emitted) continue;
    out.push({
      type: emitted.type,
      aggregateId: invoiceId,
      occurredAt: e.entryDate,
      source: 'revenue',
      data: {
        invoiceId,
        currency,
        amount: emitted.amount,
        postedOn: e.entryDate,
        ...(e.lineId !== null ? { lineId: e.lineId } : {}),
        entryId: String(e.entryId),
      },
    });
  }
  return out;
}
