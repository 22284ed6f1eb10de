import type { Executor } from '../db/connect.ts';
import { ACCOUNTS, DEBIT_NORMAL, type Account } from '../subscribers/revenue/accounts.ts';
import { closingBalancesOf } from './balanceReports.ts';
import { loadLedgerView } from './ledgerView.ts';
import type { ReportQuery } from './reportQuery.ts';

export type TrialBalance = Record<
  string,
  { asOf: string; accounts: Record<Account, { debit: number; credit: number }>; totals: { debit: number; credit: number } }
>;

/**
 * Per currency, each account's balance on its debit or credit side as of a day; the
 * two totals are equal when the books balance.
 */
export async function trialBalance(db: Executor, query: ReportQuery, now?: Date): Promise<TrialBalance> {
  const view = await loadLedgerView(db, { ...query, from: undefined, to: undefined }, now);
  const lastMonth = view.asOf.slice(0, 7);
  const closing = closingBalancesOf({ ...view, months: [lastMonth] });
  const out: TrialBalance = {};
  for (const c of view.currencies) {
    const balances = Object.values(closing[c] ?? {})[0]!;
    const accounts = {} as Record<Account, { debit: number; credit: number }>;
    let debit = 0;
    let credit = 0;
    for (const a of ACCOUNTS) {
      // Natural sign back to the debit/credit side.
      const signedDebit = DEBIT_NORMAL[a] ? balances[a] : -balances[a];
      accounts[a] = { debit: Math.max(signedDebit, 0), credit: Math.max(-signedDebit, 0) };
      debit += accounts[a].debit;
      credit += accounts[a].credit;
    }
    out[c] = { asOf: view.asOf, accounts, totals: { debit, credit } };
  }
  return out;
}
