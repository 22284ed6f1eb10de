import type { Executor } from '../db/connect.ts';
import { closingBalancesOf, netMovementOf, revenueByMonthOf, type BalancesByMonth, type RevenueByMonth } from './balanceReports.ts';
import { invoiceState, type InvoiceStateEntry } from './invoiceState.ts';
import { loadLedgerView } from './ledgerView.ts';
import type { ReportQuery } from './reportQuery.ts';
import { revenueEventTotalsOf, type RevenueEventTotals } from './revenueEventTotals.ts';

/** The books in the shape of a scenario's `expected` (FORMAT.json expectedFields), read in one snapshot. */
export type ScenarioActual = {
  months: string[];
  revenueByMonth: RevenueByMonth;
  closingBalances: BalancesByMonth;
  netMovementByPeriod: BalancesByMonth;
  revenueEvents: RevenueEventTotals;
  invoiceState: Record<string, InvoiceStateEntry>;
};

export async function scenarioActual(db: Executor, query: ReportQuery = {}, now?: Date): Promise<ScenarioActual> {
  const view = await loadLedgerView(db, query, now);
  return {
    months: view.months,
    revenueByMonth: revenueByMonthOf(view),
    closingBalances: closingBalancesOf(view),
    netMovementByPeriod: netMovementOf(view),
    revenueEvents: await revenueEventTotalsOf(db, view),
    invoiceState: await invoiceState(db, query),
  };
}
