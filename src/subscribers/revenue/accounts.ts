/** The six accounts of REVENUE.md, in report order. */
export const ACCOUNTS = ['AccountsReceivable', 'Cash', 'DeferredRevenue', 'Revenue', 'TaxPayable', 'CustomerCredit'] as const;
export type Account = (typeof ACCOUNTS)[number];

/** Assets are debit-normal; liabilities and income are credit-normal. */
export const DEBIT_NORMAL: Record<Account, boolean> = {
  AccountsReceivable: true,
  Cash: true,
  DeferredRevenue: false,
  Revenue: false,
  TaxPayable: false,
  CustomerCredit: false,
};

/** An entry's lines as signed amounts per account: debit positive, credit negative. */
export type Movement = Record<Account, number>;

export function zeroMovement(): Movement {
  return { AccountsReceivable: 0, Cash: 0, DeferredRevenue: 0, Revenue: 0, TaxPayable: 0, CustomerCredit: 0 };
}

export function movement(parts: Partial<Movement>): Movement {
  const out = zeroMovement();
  // `|| 0` turns -0 (from negating a zero amount) into 0.
  for (const k of ACCOUNTS) out[k] = parts[k] || 0;
  return out;
}

export function addMovement(a: Movement, b: Movement, factor = 1): Movement {
  const out = zeroMovement();
  for (const k of ACCOUNTS) out[k] = a[k] + factor * b[k];
  return out;
}

export function isZeroMovement(m: Movement): boolean {
  return ACCOUNTS.every((k) => m[k] === 0);
}

export function movementBalances(m: Movement): boolean {
  return ACCOUNTS.reduce((s, k) => s + m[k], 0) === 0;
}

/** Natural sign of an account movement: assets debit - credit, the rest credit - debit. */
export function naturalSign(account: Account, signedDebit: number): number {
  return DEBIT_NORMAL[account] ? signedDebit : 0 - signedDebit;
}
