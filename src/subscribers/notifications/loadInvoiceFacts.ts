import { sql } from 'kysely';
import type { Executor } from '../../db/connect.ts';
import type { InvoiceFacts } from './renderNotification.ts';

const UNKNOWN: InvoiceFacts = { customerName: null, email: null, currency: null, total: null, amountPaid: null, dueDate: null };

/**
 * The invoices and their customers as the write side keeps them, in one statement for a
 * batch; every asked id gets facts (unknown fields null for an invoice the write side
 * does not have, e.g. an imported one).
 */
export async function loadInvoiceFactsOf(db: Executor, invoiceIds: readonly string[]): Promise<Map<string, InvoiceFacts>> {
  const out = new Map<string, InvoiceFacts>(invoiceIds.map((id) => [id, UNKNOWN]));
  if (invoiceIds.length === 0) return out;
  const rows = await db
    .selectFrom('invoices')
    .leftJoin('customers', 'customers.id', 'invoices.customer_id')
    .select([
      'invoices.id',
      'invoices.currency',
      'invoices.total',
      'invoices.amount_paid',
      'invoices.due_date',
      'customers.name as customer_name',
      'customers.email',
    ])
    // One array parameter, not one per invoice.
    .where(sql<boolean>`invoices.id = ANY(${[...new Set(invoiceIds)]}::text[])`)
    .execute();
  for (const row of rows) {
    out.set(row.id, {
      customerName: row.customer_name,
      email: row.email,
      currency: row.currency.trim(),
      total: row.total,
      amountPaid: row.amount_paid,
      dueDate: row.due_date,
    });
  }
  return out;
}
