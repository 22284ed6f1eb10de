import type { ColumnType, Generated } from 'kysely';

type CreatedAt = ColumnType<Date, Date | string | undefined, Date | string>;

export interface CustomersTable {
  id: string;
  name: string;
  email: string;
  external_id: string | null;
  version: Generated<number>;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

export interface InvoicesTable {
  id: string;
  customer_id: string;
  currency: string;
  status: 'open' | 'paid' | 'void' | 'deleted';
  issued_at: string;
  due_date: string | null;
  lines: ColumnType<unknown, string, string>;
  total: number;
  tax: number;
  amount_paid: Generated<number>;
  version: Generated<number>;
  void_reason: string | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

export interface InvoicePaymentsTable {
  invoice_id: string;
  payment_id: string;
  amount: number;
  received_at: string;
  created_at: CreatedAt;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  token_hash: string;
  scopes: string[];
  created_at: CreatedAt;
  revoked_at: Date | null;
  /** Migration 054: NULL = never expires. */
  expires_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** Migration 054: written at most once a minute per key (authenticate). */
  last_used_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export interface IdempotencyKeysTable {
  principal: string;
  key: string;
  method: string;
  path: string;
  request_hash: string;
  status: number;
  response: ColumnType<unknown, string | null, string | null>;
  /** The first answer's headers a replay repeats (ETag, Location...); NULL on rows from before 080. */
  response_headers: ColumnType<Record<string, string> | null, string | null | undefined, string | null>;
  created_at: CreatedAt;
}

export interface InvoicingTables {
  customers: CustomersTable;
  invoices: InvoicesTable;
  invoice_payments: InvoicePaymentsTable;
  api_keys: ApiKeysTable;
  idempotency_keys: IdempotencyKeysTable;
}
