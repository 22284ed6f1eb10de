import type { Executor } from '../db/connect.ts';
import { closingBalances, netMovementByPeriod, revenueByMonth } from './balanceReports.ts';
import { balancesCsv, revenueByMonthCsv, revenueEventsCsv, trialBalanceCsv, waterfallCsv } from './csv.ts';
import type { ReportQuery } from './reportQuery.ts';
import { revenueEventTotals } from './revenueEventTotals.ts';
import { trialBalance } from './trialBalance.ts';
import { waterfall } from './waterfall.ts';

/**
 * The report routes as data, for the HTTP layer to mount: GET `path` with the query
 * parsed by parseReportQuery, JSON from `run`, or `csv(run(...))` as text/csv when
 * the client asks for CSV (Accept: text/csv or ?format=csv, the API's choice).
 */
export type ReportEndpoint = {
  path: string;
  summary: string;
  run(db: Executor, query: ReportQuery, now?: Date): Promise<unknown>;
  csv(report: never): string;
};

export const revenueReportEndpoints = [
  { path: '/v1/reports/revenue-by-month', summary: 'Revenue per currency and month (FORMAT revenueByMonth)', run: revenueByMonth, csv: revenueByMonthCsv },
  { path: '/v1/reports/closing-balances', summary: 'Account balances at each month end (FORMAT closingBalances)', run: closingBalances, csv: balancesCsv },
  { path: '/v1/reports/net-movement', summary: 'Net movement per account and month (FORMAT netMovementByPeriod)', run: netMovementByPeriod, csv: balancesCsv },
  { path: '/v1/reports/revenue-events', summary: 'Totals of the revenue events emitted (FORMAT revenueEvents)', run: revenueEventTotals, csv: revenueEventsCsv },
  { path: '/v1/reports/trial-balance', summary: 'Trial balance per currency as of a day', run: trialBalance, csv: trialBalanceCsv },
  { path: '/v1/reports/waterfall', summary: 'Recognised to date and scheduled recognition by invoice month', run: waterfall, csv: waterfallCsv },
] as const satisfies readonly ReportEndpoint[];
