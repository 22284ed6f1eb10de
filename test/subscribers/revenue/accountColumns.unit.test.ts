import { describe, expect, it } from 'vitest';
import { ACCOUNT_COLUMNS, fromAccountColumns, toAccountColumns } from '../../../src/subscribers/revenue/accountColumns.ts';
import { ACCOUNTS, movement } from '../../../src/subscribers/revenue/accounts.ts';

describe('account columns', () => {
  it('gives each account its own ledger_entries column and reads back the movement it wrote', () => {
    expect(new Set(Object.values(ACCOUNT_COLUMNS)).size).toBe(ACCOUNTS.length);
    const m = movement({ AccountsReceivable: 1, Cash: -2, DeferredRevenue: 3, Revenue: -4, TaxPayable: 5, CustomerCredit: -3 });
    expect(toAccountColumns(m)).toEqual({ accounts_receivable: 1, cash: -2, deferred_revenue: 3, revenue: -4, tax_payable: 5, customer_credit: -3 });
    expect(fromAccountColumns(toAccountColumns(m))).toEqual(m);
  });
});
