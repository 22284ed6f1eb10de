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
