import { sql } from 'kysely';
import type { Executor } from '../db/connect.ts';
import { monthOf, nextMonth, todayUtc } from '../lib/dates.ts';
import { ACCOUNTS, naturalSign, zeroMovement, type Account, type Movement } from '../revenue/accounts.ts';
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

type MovementRow = { currency: string; period: string; ar: number; cash: number; deferred: number; revenue: number; tax: number; credit: number };

export function monthRange(from: string, to: string): string[] {
  const out: string[] = [];
  for (let m = from; m <= to; m = nextMonth(m)) out.push(m);
  return out;
}

/**
 * Loads the journal's monthly movements as of a day. The month range runs from the
 * month of the earliest invoice event to the latest month whose movement is not
 * zero (a month holding only entries that cancel out, e.g. recognition taken back
 * by a later-delivered void, is no activity), or just the first month when there
 * is none; `from`/`to` override either end.
 */
export async function loadLedgerView(db: Executor, query: ReportQuery, now: Date = new Date()): Promise<LedgerView> {
  const asOf = query.asOf ?? todayUtc(now);
  const { rows } = await sql<MovementRow>`
    SELECT currency, period,
           sum(accounts_receivable)::bigint AS ar, sum(cash)::bigint AS cash, sum(deferred_revenue)::bigint AS deferred,
           sum(revenue)::bigint AS revenue, sum(tax_payable)::bigint AS tax, sum(customer_credit)::bigint AS credit
    FROM ledger_entries
    WHERE entry_date <= ${asOf}::date
    GROUP BY currency, period
    ORDER BY currency, period
  `.execute(db);
  const movements = new Map<string, Map<string, AccountBalances>>();
  let lastActive: string | null = null;
  for (const r of rows) {
    const signed: Movement = { AccountsReceivable: r.ar, Cash: r.cash, DeferredRevenue: r.deferred, Revenue: r.revenue, TaxPayable: r.tax, CustomerCredit: r.credit };
    const natural = zeroMovement();
    for (const a of ACCOUNTS) natural[a] = naturalSign(a, signed[a]);
    const byMonth = movements.get(r.currency.trim()) ?? new Map<string, AccountBalances>();
    byMonth.set(r.period, natural);
    movements.set(r.currency.trim(), byMonth);
    if (ACCOUNTS.some((a) => natural[a] !== 0) && (lastActive === null || r.period > lastActive)) lastActive = r.period;
  }
  const invoices = await db
    .selectFrom('revenue_invoices')
    .select((eb) => [eb.fn.min('first_event_on').as('first')])
    .where('first_event_on', '<=', asOf)
    .executeTakeFirst();
  const currencyRows = await db.selectFrom('revenue_invoices').select('currency').distinct().where('currency', 'is not', null).execute();
  const currencies = [...new Set([...currencyRows.map((c) => c.currency!.trim()), ...movements.keys()])]
    .filter((c) => query.currency === undefined || c === query.currency)
    .sort();

  const first = invoices?.first ? monthOf(invoices.first) : null;
  const start = query.from ?? first ?? lastActive ?? monthOf(asOf);
  const end = query.to ?? (lastActive !== null && lastActive > start ? lastActive : start);
  return { asOf, months: monthRange(start, end), currencies, movements };
}

export function movementOf(view: LedgerView, currency: string, month: string): AccountBalances {
  return view.movements.get(currency)?.get(month) ?? zeroMovement();
}
