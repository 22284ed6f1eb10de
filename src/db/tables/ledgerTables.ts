// Tables of the revenue ledger: migrations 020-029.
import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface LedgerEntriesTable {
  entry_id: Generated<number>;
  currency: string;
  entry_date: string;
  period: ColumnType<string, never, never>;
  origin_date: string;
  kind: string;
  invoice_id: string;
  line_id: string | null;
  payment_id: string | null;
  event_id: string | null;
  note: string | null;
  accounts_receivable: Generated<number>;
  cash: Generated<number>;
  deferred_revenue: Generated<number>;
  revenue: Generated<number>;
  tax_payable: Generated<number>;
  customer_credit: Generated<number>;
  recorded_at: ColumnType<Date, never, never>;
}

export interface LedgerPeriodLocksTable {
  period: string;
  event_id: string | null;
  locked_at: ColumnType<Date, never, never>;
}

export interface RevenueInvoicesTable {
  invoice_id: string;
  currency: string | null;
  status: 'pending' | 'open' | 'paid' | 'void';
  version: number;
  total: number;
  tax: number;
  net_revenue: number;
  amount_paid: number;
  amount_due: number;
  issued_on: string | null;
  first_event_on: string;
  horizon: string | null;
  /** The fold of the events before `applied` (issue 15; src/subscribers/revenue/bookSnapshot.ts). */
  snapshot: ColumnType<unknown, string | null, string | null>;
  applied: ColumnType<unknown, string, string>;
  parked: ColumnType<unknown, string, string>;
  updated_at: Timestamp;
}

export interface RevenueLinesTable {
  invoice_id: string;
  line_id: string;
  currency: string;
  position: number;
  net_amount: number;
  service_start: string | null;
  service_end: string | null;
  recognized: number;
  recognized_through: string;
  prev_through: string | null;
  active: boolean;
}

/** Every event a revenue book applied (migration 120). */
export interface RevenueBookEventsTable {
  invoice_id: string;
  event_id: string;
  payment_id: string | null;
  body: ColumnType<unknown, string, never>;
}

/** What is posted per invoice and entry key, kept by a trigger on ledger_entries (migration 120). */
export interface LedgerPostedTotalsTable {
  invoice_id: string;
  bucket: string;
  kind: string;
  line_id: string;
  payment_id: string;
  last_origin: string;
  accounts_receivable: number;
  cash: number;
  deferred_revenue: number;
  revenue: number;
  tax_payable: number;
  customer_credit: number;
}

export interface LedgerTables {
  ledger_entries: LedgerEntriesTable;
  ledger_period_locks: LedgerPeriodLocksTable;
  revenue_invoices: RevenueInvoicesTable;
  revenue_lines: RevenueLinesTable;
  revenue_book_events: RevenueBookEventsTable;
  ledger_posted_totals: LedgerPostedTotalsTable;
}
