import type { Executor } from '../db/connect.ts';
import { closingBalances, netMovementByPeriod, revenueByMonth } from './balanceReports.ts';
import { balancesCsv, revenueByMonthCsv, revenueEventsCsv, trialBalanceCsv, waterfallCsv } from './csv.ts';
import type { ReportQuery } from './reportQuery.ts';
import { revenueEventTotals } from './revenueEventTotals.ts';
import { trialBalance } from './trialBalance.ts';
import { waterfall } from './waterfall.ts';

/**
 * The report routes as data, for the HTTP layer to mount: GET `path` with the query
 * parsed by parseReportQuery; `load` runs the report once and gives it as JSON, or
 * as text/csv when the client asks for CSV (Accept: text/csv or ?format=csv, the API's choice).
 */
export type ReportEndpoint = {
  path: string;
  summary: string;
  load(db: Executor, query: ReportQuery, now?: Date): Promise<{ json: object; csv(): string }>;
};

/** Pairs a report with its CSV writer, so each writer only ever sees its own report's type. */
function endpoint<R extends object>(
  path: string,
  summary: string,
  run: (db: Executor, query: ReportQuery, now?: Date) => Promise<R>,
  csv: (report: R) => string,
): ReportEndpoint {
  return {
    path,
    summary,
    load: async (db, query, now) => {
      const report = await run(db, query, now);
      return { json: report, csv: () => csv(report) };
    },
  };
}

export const revenueReportEndpoints: readonly ReportEndpoint[] = [
  endpoint('/v1/reports/revenue-by-month', 'Revenue per currency and month (FORMAT revenueByMonth)', revenueByMonth, revenueByMonthCsv),
  endpoint('/v1/reports/closing-balances', 'Account balances at each month end (FORMAT closingBalances)', closingBalances, balancesCsv),
  endpoint('/v1/reports/net-movement', 'Net movement per account and month (FORMAT netMovementByPeriod)', netMovementByPeriod, balancesCsv),
  endpoint('/v1/reports/revenue-events', 'Totals of the revenue events emitted (FORMAT revenueEvents)', revenueEventTotals, revenueEventsCsv),
  endpoint('/v1/reports/trial-balance', 'Trial balance per currency as of a day', trialBalance, trialBalanceCsv),
  endpoint('/v1/reports/waterfall', 'Recognised to date and scheduled recognition by invoice month', waterfall, waterfallCsv),
];
