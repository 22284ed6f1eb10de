import type { ColumnType, Generated } from 'kysely';

// Tables of the subscribers besides revenue (breakers, notifications, webhooks,
// analytics, overdue detection): migrations 030-039.
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export type BreakerStateName = 'closed' | 'open' | 'half_open';

export interface CircuitBreakersTable {
  name: string;
  state: ColumnType<BreakerStateName, BreakerStateName | undefined, BreakerStateName>;
  failures: Generated<number>;
  opened_at: Date | null;
  next_attempt_at: Date | null;
  last_error: string | null;
  last_failure_at: Date | null;
  version: Generated<number>;
  updated_at: Timestamp;
}

export interface NotificationDeliveriesTable {
  event_id: string;
  invoice_id: string;
  kind: 'reminder' | 'overdue' | 'receipt' | 'webhook-disabled';
  channel: string;
  recipient: string | null;
  subject: string;
  body: string;
  recorded_at: Timestamp;
  /** Migration 053: when the notice was written to its channel; NULL while pending. */
  delivered_at: Date | null;
}

export interface WebhookDeliveriesTable {
  event_id: string;
  event_type: string;
  url: string;
  status_code: number | null;
  delivered_at: Date | null;
}

export interface AnalyticsInvoicesTable {
  invoice_id: string;
  customer_id: string | null;
  currency: string | null;
  issued_on: string | null;
  due_date: string | null;
  overdue_due_date: string | null;
  total: number | null;
  tax: number | null;
  version: Generated<number>;
  position: Generated<number>;
  voided_on: string | null;
  updated_at: Timestamp;
}

export interface AnalyticsPaymentsTable {
  invoice_id: string;
  payment_id: string;
  amount: number;
  received_on: string;
}

/** A view (migration 033): read only. */
export interface AnalyticsInvoiceStatusView {
  invoice_id: ColumnType<string, never, never>;
  customer_id: ColumnType<string | null, never, never>;
  currency: ColumnType<string, never, never>;
  issued_on: ColumnType<string | null, never, never>;
  due_date: ColumnType<string | null, never, never>;
  total: ColumnType<number, never, never>;
  tax: ColumnType<number, never, never>;
  voided_on: ColumnType<string | null, never, never>;
  amount_paid: ColumnType<number, never, never>;
  amount_due: ColumnType<number, never, never>;
  status: ColumnType<'open' | 'paid' | 'void', never, never>;
}

export interface InvoiceOverdueNoticesTable {
  invoice_id: string;
  due_date: string;
  amount_due: number;
  detected_on: string;
  event_id: string | null;
  recorded_at: Timestamp;
}

export interface SubscriberTables {
  circuit_breakers: CircuitBreakersTable;
  notification_deliveries: NotificationDeliveriesTable;
  webhook_deliveries: WebhookDeliveriesTable;
  analytics_invoices: AnalyticsInvoicesTable;
  analytics_payments: AnalyticsPaymentsTable;
  analytics_invoice_status: AnalyticsInvoiceStatusView;
  invoice_overdue_notices: InvoiceOverdueNoticesTable;
}
