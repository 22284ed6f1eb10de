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

/** The account columns of a movement, for writing a ledger_entries row. */
export function toAccountColumns(m: Movement): AccountColumnValues {
  return Object.fromEntries(ACCOUNTS.map((a) => [ACCOUNT_COLUMNS[a], m[a]])) as AccountColumnValues;
}

/** The movement a row's account columns hold. */
export function fromAccountColumns(row: AccountColumnValues): Movement {
  return Object.fromEntries(ACCOUNTS.map((a) => [a, row[ACCOUNT_COLUMNS[a]]])) as Movement;
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
