// Tables of the revenue ledger: migrations 020-029.
export interface LedgerTables {}
