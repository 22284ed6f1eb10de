import type { Executor } from '../db/connect.ts';
import { ACCOUNTS, zeroMovement } from '../subscribers/revenue/accounts.ts';
import { loadLedgerView, movementOf, type AccountBalances, type LedgerView } from './ledgerView.ts';
import type { ReportQuery } from './reportQuery.ts';

export type RevenueByMonth = Record<string, Record<string, number>>;
export type BalancesByMonth = Record<string, Record<string, AccountBalances>>;

/** FORMAT revenueByMonth: credits - debits to Revenue per currency and month. */
export function revenueByMonthOf(view: LedgerView): RevenueByMonth {
  const out: RevenueByMonth = {};
  for (const c of view.currencies) out[c] = Object.fromEntries(view.months.map((m) => [m, movementOf(view, c, m).Revenue]));
  return out;
}

/** FORMAT netMovementByPeriod: natural-sign movement per currency, month and account. */
export function netMovementOf(view: LedgerView): BalancesByMonth {
  const out: BalancesByMonth = {};
  for (const c of view.currencies) out[c] = Object.fromEntries(view.months.map((m) => [m, { ...movementOf(view, c, m) }]));
  return out;
}

/** FORMAT closingBalances: balance at each month end, cumulative from the first entry (also before `from`). */
export function closingBalancesOf(view: LedgerView): BalancesByMonth {
  const out: BalancesByMonth = {};
  for (const c of view.currencies) {
    const byMonth = view.movements.get(c) ?? new Map<string, AccountBalances>();
    const earlier = [...byMonth.keys()].sort();
    const running = zeroMovement();
    let i = 0;
    out[c] = {};
    for (const m of view.months) {
      while (i < earlier.length && earlier[i]! <= m) {
        const mv = byMonth.get(earlier[i]!)!;
        for (const a of ACCOUNTS) running[a] += mv[a];
        i++;
      }
      out[c][m] = { ...running };
    }
  }
  return out;
}

export async function revenueByMonth(db: Executor, query: ReportQuery, now?: Date): Promise<RevenueByMonth> {
  return revenueByMonthOf(await loadLedgerView(db, query, now));
}

export async function netMovementByPeriod(db: Executor, query: ReportQuery, now?: Date): Promise<BalancesByMonth> {
  return netMovementOf(await loadLedgerView(db, query, now));
}

export async function closingBalances(db: Executor, query: ReportQuery, now?: Date): Promise<BalancesByMonth> {
  return closingBalancesOf(await loadLedgerView(db, query, now));
}

export async function months(db: Executor, query: ReportQuery, now?: Date): Promise<string[]> {
  return (await loadLedgerView(db, query, now)).months;
}
