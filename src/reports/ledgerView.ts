import { sql } from 'kysely';
import type { Executor } from '../db/connect.ts';
import { firstDayOfMonth, monthOf, nextMonth, previousMonth, todayUtc } from '../values/dates.ts';
import { latestEventDay } from '../values/aheadOfClock.ts';
import { fromAccountColumns, someAccountSumNonZero, sumAccountColumns, type AccountColumnValues } from '../subscribers/revenue/accountColumns.ts';
import { ACCOUNTS, naturalSign, zeroMovement, type Account } from '../subscribers/revenue/accounts.ts';
import type { ReportQuery } from './reportQuery.ts';

export type AccountBalances = Record<Account, number>;

/** The journal summed per currency and month, with the report range (FORMAT.json expectedFields.months). */
export type LedgerView = {
  asOf: string;
  months: string[];
  currencies: string[];
  /** Natural-sign movement per currency and month (every month with entries up to asOf). */
  movements: Map<string, Map<string, AccountBalances>>;
};

type MovementRow = AccountColumnValues & { currency: string; period: string };


export function monthRange(from: string, to: string): string[] {
  const out: string[] = [];
  for (let m = from; m <= to; m = nextMonth(m)) out.push(m);
  return out;
}

/**
 * Loads the journal's monthly movements as of a day. The month range runs from the
 * month of the earliest invoice event to the latest month with a journal entry, or
 * just the first month when there is none — of the currency asked for, when one is
 * (a JPY report does not start at the first USD invoice); `from`/`to` override either end. An
 * entry that a later correction cancelled (e.g. March recognition posted at issue
 * and taken back when a void dated February arrived) is not an entry of the books:
 * a month counts when some entry key of some invoice nets to non-zero in it.
 */
export async function loadLedgerView(db: Executor, query: ReportQuery, now: Date = new Date()): Promise<LedgerView> {
  // By default as far as anything can be dated (tomorrow: see latestEventDay).
  const asOf = query.asOf ?? latestEventDay(now);
  // Closed months whole before asOf's month come from their final totals (migration
  // 122); the rest is summed from the entries, a range of the entry_date index.
  const cached = await sql<{ through: string | null }>`SELECT max(period) AS through FROM ledger_closed_month_totals`.execute(db);
  const closedThrough = cached.rows[0]?.through ?? null;
  const lastWhole = previousMonth(monthOf(asOf));
  const cut = closedThrough === null ? null : closedThrough < lastWhole ? closedThrough : lastWhole;
  const { rows } = await sql<MovementRow>`
    SELECT currency, period, ${sumAccountColumns()} FROM (
      SELECT t.* FROM ledger_closed_month_totals t WHERE t.period <= ${cut ?? ''}
      UNION ALL
      SELECT e.currency, e.period, e.accounts_receivable, e.cash, e.deferred_revenue, e.revenue, e.tax_payable, e.customer_credit
      FROM ledger_entries e
      WHERE e.entry_date >= ${cut === null ? '0001-01-01' : firstDayOfMonth(nextMonth(cut))}::date AND e.entry_date <= ${asOf}::date
    ) AS m
    GROUP BY currency, period
    ORDER BY currency, period
  `.execute(db);
  const movements = new Map<string, Map<string, AccountBalances>>();
  for (const r of rows) {
    const signed = fromAccountColumns(r);
    const natural = zeroMovement();
    for (const a of ACCOUNTS) natural[a] = naturalSign(a, signed[a]);
    const byMonth = movements.get(r.currency.trim()) ?? new Map<string, AccountBalances>();
    byMonth.set(r.period, natural);
    movements.set(r.currency.trim(), byMonth);
  }
  let firstInvoice = db
    .selectFrom('revenue_invoices')
    .select((eb) => [eb.fn.min('first_event_on').as('first')])
    .where('first_event_on', '<=', asOf);
  if (query.currency !== undefined) firstInvoice = firstInvoice.where('currency', '=', query.currency);
  const invoices = await firstInvoice.executeTakeFirst();
  const currencyRows = await db.selectFrom('revenue_invoices').select('currency').distinct().where('currency', 'is not', null).execute();
  const currencies = [...new Set([...currencyRows.map((c) => c.currency!.trim()), ...movements.keys()])]
    .filter((c) => query.currency === undefined || c === query.currency)
    .sort();

  const first = invoices?.first ? monthOf(invoices.first) : null;
  // The last month with a kept entry reads every entry's key (~3/4 of a report's time
  // on a large ledger): only when the range's end (or its start) depends on it.
  const needsLast = query.to === undefined || (query.from === undefined && first === null);
  const lastActive = needsLast ? await lastMonthWithEntries(db, asOf, query.currency) : null;
  const start = query.from ?? first ?? lastActive ?? monthOf(query.asOf ?? todayUtc(now));
  const end = query.to ?? (lastActive !== null && lastActive > start ? lastActive : start);
  return { asOf, months: monthRange(start, end), currencies, movements };
}

export function movementOf(view: LedgerView, currency: string, month: string): AccountBalances {
  return view.movements.get(currency)?.get(month) ?? zeroMovement();
}

/** The latest month holding an entry that was not cancelled by a correction (same invoice, kind, line, payment and origin). */
async function lastMonthWithEntries(db: Executor, asOf: string, currency: string | undefined): Promise<string | null> {
  const { rows } = await sql<{ period: string | null }>`
    SELECT max(period) AS period FROM (
      SELECT period
      FROM ledger_entries
      WHERE entry_date <= ${asOf}::date AND (${currency ?? null}::text IS NULL OR currency = ${currency ?? null})
      GROUP BY invoice_id, kind, line_id, payment_id, period,
               CASE WHEN kind = 'recognition' THEN date_trunc('month', origin_date) ELSE origin_date END
      HAVING ${someAccountSumNonZero()}
    ) AS kept
  `.execute(db);
  return rows[0]?.period ?? null;
}
