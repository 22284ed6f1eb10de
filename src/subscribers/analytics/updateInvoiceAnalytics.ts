import { sql } from 'kysely';
import type { SubscriberContext } from '../../bus/contract/subscriber.ts';
import type { Executor } from '../../db/connect.ts';
import { INVOICE_BOOK_EVENT_TYPES, type EventData, type EventType } from '../../events/eventTypes.ts';
import type { StoredEvent } from '../../events/envelope.ts';
import { totals as invoiceAmounts } from '../../invoices/invoice.ts';

// The book events and the overdue flag (aging): a reminder changes no figure.
export const ANALYTICS_EVENT_TYPES = [...INVOICE_BOOK_EVENT_TYPES, 'InvoiceOverdue'] as const satisfies readonly EventType[];

/**
 * Keeps per-invoice facts for the aggregates of migration 033 (analytics_monthly,
 * analytics_aging). Every write commutes or is version-checked, so any delivery
 * order gives the same rows; exact repeats are dropped by the worker's inbox and
 * would change nothing anyway. `reset` clears it for `accrue rebuild analytics`
 * (the bus's optional Subscriber.reset; the object is a Subscriber).
 */
export const analyticsSubscriber = {
  name: 'analytics',
  eventTypes: ANALYTICS_EVENT_TYPES,
  async handle(event: StoredEvent, { db }: SubscriberContext): Promise<void> {
    await applyToAnalytics(db, event);
  },
  reset: (db: Executor) => resetAnalytics(db),
};

export async function applyToAnalytics(db: Executor, event: StoredEvent): Promise<void> {
  const id = event.aggregateId;
  switch (event.type) {
    case 'InvoiceCreated':
    case 'InvoiceUpdated':
      return applyState(db, event as StoredEvent<'InvoiceCreated' | 'InvoiceUpdated'>);
    case 'InvoicePaymentReceived':
    case 'InvoicePaid': {
      const data = event.data as EventData<'InvoicePaid'>;
      await sql`
        INSERT INTO analytics_payments AS p (invoice_id, payment_id, amount, received_on)
        VALUES (${id}, ${data.paymentId}, ${data.amount}, ${data.receivedAt ?? event.occurredAt})
        ON CONFLICT (invoice_id, payment_id) DO UPDATE
        SET amount = GREATEST(p.amount, excluded.amount), received_on = LEAST(p.received_on, excluded.received_on)
      `.execute(db);
      return;
    }
    case 'InvoiceVoided':
    case 'InvoiceDeleted':
      await sql`
        INSERT INTO analytics_invoices AS a (invoice_id, voided_on) VALUES (${id}, ${event.occurredAt})
        ON CONFLICT (invoice_id) DO UPDATE
        SET voided_on = LEAST(a.voided_on, excluded.voided_on), updated_at = now()
      `.execute(db);
      return;
    case 'InvoiceOverdue': {
      const data = event.data as EventData<'InvoiceOverdue'>;
      await sql`
        INSERT INTO analytics_invoices AS a (invoice_id, overdue_due_date) VALUES (${id}, ${data.dueDate})
        ON CONFLICT (invoice_id) DO UPDATE
        SET overdue_due_date = GREATEST(a.overdue_due_date, excluded.overdue_due_date), updated_at = now()
      `.execute(db);
      return;
    }
    default:
      return;
  }
}

/**
 * The state of the newest (version, position) wins; an older event only fills
 * what is still unknown (an update may omit dueDate and customerId). The issue date
 * is InvoiceCreated's (issuedAt, else its business date) whenever it arrives.
 * Events without a version count as version 1: the position orders them.
 */
async function applyState(db: Executor, event: StoredEvent<'InvoiceCreated' | 'InvoiceUpdated'>): Promise<void> {
  const data = event.data;
  const { total, tax } = invoiceAmounts(data.lines);
  const isCreated = event.type === 'InvoiceCreated';
  const issuedOn = data.issuedAt ?? (isCreated ? event.occurredAt : null);
  const version = event.aggregateVersion ?? 1;
  const newer = sql`(excluded.version, excluded.position) > (a.version, a.position)`;
  const pick = (column: string) =>
    sql`CASE WHEN ${newer} THEN COALESCE(excluded.${sql.ref(column)}, a.${sql.ref(column)})
             ELSE COALESCE(a.${sql.ref(column)}, excluded.${sql.ref(column)}) END`;
  await sql`
    INSERT INTO analytics_invoices AS a
      (invoice_id, customer_id, currency, issued_on, due_date, total, tax, version, position)
    VALUES (${event.aggregateId}, ${data.customerId ?? null}, ${data.currency}, ${issuedOn}, ${data.dueDate ?? null},
            ${total}, ${tax}, ${version}, ${event.position})
    ON CONFLICT (invoice_id) DO UPDATE SET
      customer_id = ${pick('customer_id')},
      currency    = ${pick('currency')},
      due_date    = ${pick('due_date')},
      total       = CASE WHEN ${newer} OR a.total IS NULL THEN excluded.total ELSE a.total END,
      tax         = CASE WHEN ${newer} OR a.tax IS NULL THEN excluded.tax ELSE a.tax END,
      issued_on   = ${isCreated ? sql`COALESCE(excluded.issued_on, a.issued_on)` : pick('issued_on')},
      version     = CASE WHEN ${newer} THEN excluded.version ELSE a.version END,
      position    = CASE WHEN ${newer} THEN excluded.position ELSE a.position END,
      updated_at  = now()
  `.execute(db);
}

/** Clears what the subscriber built, for `accrue rebuild analytics` (replay re-fills it). */
export async function resetAnalytics(db: Executor): Promise<void> {
  await db.deleteFrom('analytics_payments').execute();
  await db.deleteFrom('analytics_invoices').execute();
}
