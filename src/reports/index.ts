// The revenue reports the HTTP API mounts (GET /v1/reports/..., GET /v1/invoices/{id}/book).
export { parseReportQuery, reportQuery, type ReportQuery } from './reportQuery.ts';
export { revenueByMonth, closingBalances, netMovementByPeriod, months } from './balanceReports.ts';
export type { RevenueByMonth, BalancesByMonth } from './balanceReports.ts';
export { revenueEventTotals, type RevenueEventTotals } from './revenueEventTotals.ts';
export { invoiceState, type InvoiceStateEntry } from './invoiceState.ts';
export { trialBalance, type TrialBalance } from './trialBalance.ts';
export { waterfall, type Waterfall } from './waterfall.ts';
export { getInvoiceBook, type InvoiceBookView } from './invoiceBook.ts';
export { revenueByMonthCsv, balancesCsv, trialBalanceCsv, waterfallCsv, toCsv } from './csv.ts';
export { scenarioActual, type ScenarioActual } from './scenarioActual.ts';
export { revenueEventsCsv } from './csv.ts';
export { revenueReportEndpoints, type ReportEndpoint } from './reportEndpoints.ts';
export { listClosedPeriods, type ClosedPeriod } from './closedPeriods.ts';
