import { sql, type RawBuilder } from 'kysely';
import { ACCOUNTS, type Account, type Movement } from './accounts.ts';

/** The ledger_entries column of each account: the one place the two namings meet. */
export const ACCOUNT_COLUMNS = {
  AccountsReceivable: 'accounts_receivable',
  Cash: 'cash',
  DeferredRevenue: 'deferred_revenue',
  Revenue: 'revenue',
  TaxPayable: 'tax_payable',
  CustomerCredit: 'customer_credit',
} as const satisfies Record<Account, string>;

export type AccountColumn = (typeof ACCOUNT_COLUMNS)[Account];
/** A row holding the six account columns (a ledger_entries row, or sums aliased by column). */
export type AccountColumnValues = Record<AccountColumn, number>;

// The two below run for every entry written and every posted total read: spelled out
// (in ACCOUNTS order, as the keys were) instead of Object.fromEntries over pairs, which
// made seven arrays and a dictionary-mode object each time.

/** The account columns of a movement, for writing a ledger_entries row. */
export function toAccountColumns(m: Movement): AccountColumnValues {
  return {
    accounts_receivable: m.AccountsReceivable,
    cash: m.Cash,
    deferred_revenue: m.DeferredRevenue,
    revenue: m.Revenue,
    tax_payable: m.TaxPayable,
    customer_credit: m.CustomerCredit,
  };
}

/** The movement a row's account columns hold. */
export function fromAccountColumns(row: AccountColumnValues): Movement {
  return {
    AccountsReceivable: row.accounts_receivable,
    Cash: row.cash,
    DeferredRevenue: row.deferred_revenue,
    Revenue: row.revenue,
    TaxPayable: row.tax_payable,
    CustomerCredit: row.customer_credit,
  };
}

/** `sum(col)::bigint AS col` for the six columns, to read back with fromAccountColumns. */
export function sumAccountColumns(): RawBuilder<unknown> {
  return sql.join(ACCOUNTS.map((a) => sql`sum(${sql.ref(ACCOUNT_COLUMNS[a])})::bigint AS ${sql.ref(ACCOUNT_COLUMNS[a])}`));
}

/** True in SQL when some account column sums to non-zero over the group. */
export function someAccountSumNonZero(): RawBuilder<boolean> {
  return sql<boolean>`(${sql.join(
    ACCOUNTS.map((a) => sql`sum(${sql.ref(ACCOUNT_COLUMNS[a])}) <> 0`),
    sql` OR `,
  )})`;
}
