import { sql } from 'kysely';
import type { Executor } from '../db/connect.ts';
import { REVENUE_EVENT_TYPES } from '../events/eventTypes.ts';
import { loadLedgerView, type LedgerView } from './ledgerView.ts';
import type { ReportQuery } from './reportQuery.ts';

export type RevenueEventTotals = Record<string, Record<(typeof REVENUE_EVENT_TYPES)[number], number>>;

/**
 * FORMAT revenueEvents: totals per currency of the revenue events the service
 * emitted into the event store (not recomputed from the journal), posted up to asOf.
 */
export async function revenueEventTotalsOf(db: Executor, view: LedgerView): Promise<RevenueEventTotals> {
  const { rows } = await sql<{ currency: string; type: (typeof REVENUE_EVENT_TYPES)[number]; amount: number }>`
    SELECT data->>'currency' AS currency, type, sum((data->>'amount')::bigint)::bigint AS amount
    FROM events
    WHERE type IN (${sql.join([...REVENUE_EVENT_TYPES])}) AND source = 'revenue' AND occurred_at <= ${view.asOf}::date
    GROUP BY 1, 2
  `.execute(db);
  const out: RevenueEventTotals = {};
  for (const c of view.currencies) out[c] = { RevenueDeferred: 0, RevenueRecognized: 0, RevenueAdjusted: 0, RevenueReversed: 0 };
  for (const r of rows) if (out[r.currency]) out[r.currency]![r.type] = r.amount;
  return out;
}

export async function revenueEventTotals(db: Executor, query: ReportQuery, now?: Date): Promise<RevenueEventTotals> {
  return revenueEventTotalsOf(db, await loadLedgerView(db, query, now));
}
