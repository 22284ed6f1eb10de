import { ACCOUNTS } from '../subscribers/revenue/accounts.ts';
import type { BalancesByMonth, RevenueByMonth } from './balanceReports.ts';
import type { RevenueEventTotals } from './revenueEventTotals.ts';
import type { TrialBalance } from './trialBalance.ts';
import type { Waterfall } from './waterfall.ts';

/** RFC 4180 CSV: fields with a comma, quote or newline are quoted; lines end with CRLF. */
export function toCsv(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const field = (v: string | number) => {
    const s = String(v);
    return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return [header, ...rows].map((r) => r.map(field).join(',')).join('\r\n') + '\r\n';
}

export function revenueByMonthCsv(report: RevenueByMonth): string {
  const rows = Object.entries(report).flatMap(([c, months]) => Object.entries(months).map(([m, v]) => [c, m, v]));
  return toCsv(['currency', 'month', 'revenue'], rows);
}

/** closingBalances and netMovementByPeriod: one row per currency and month, one column per account. */
export function balancesCsv(report: BalancesByMonth): string {
  const rows = Object.entries(report).flatMap(([c, months]) =>
    Object.entries(months).map(([m, b]) => [c, m, ...ACCOUNTS.map((a) => b[a])]),
  );
  return toCsv(['currency', 'month', ...ACCOUNTS], rows);
}

export function trialBalanceCsv(report: TrialBalance): string {
  const rows = Object.entries(report).flatMap(([c, tb]) => [
    ...ACCOUNTS.map((a) => [c, tb.asOf, a, tb.accounts[a].debit, tb.accounts[a].credit]),
    [c, tb.asOf, 'Total', tb.totals.debit, tb.totals.credit],
  ]);
  return toCsv(['currency', 'asOf', 'account', 'debit', 'credit'], rows);
}

/** Waterfall in long form: one row per currency, invoice month and recognition month ('to date' for what is recognised). */
export function waterfallCsv(report: Waterfall): string {
  const rows = Object.entries(report).flatMap(([c, byInvoiceMonth]) =>
    Object.entries(byInvoiceMonth).flatMap(([im, w]) => [
      [c, im, 'to date', w.recognizedToDate],
      ...Object.entries(w.scheduled).map(([m, v]) => [c, im, m, v]),
    ]),
  );
  return toCsv(['currency', 'invoiceMonth', 'month', 'amount'], rows);
}

export function revenueEventsCsv(report: RevenueEventTotals): string {
  const rows = Object.entries(report).flatMap(([c, totals]) => Object.entries(totals).map(([type, v]) => [c, type, v]));
  return toCsv(['currency', 'type', 'amount'], rows);
}
