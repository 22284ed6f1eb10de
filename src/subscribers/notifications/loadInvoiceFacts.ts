import type { Executor } from '../../db/connect.ts';
import type { InvoiceFacts } from './renderNotification.ts';

/** The invoice and its customer as the write side keeps them; unknown fields stay null. */
export async function loadInvoiceFacts(db: Executor, invoiceId: string): Promise<InvoiceFacts> {
  const row = await db
    .selectFrom('invoices')
    .leftJoin('customers', 'customers.id', 'invoices.customer_id')
    .select([
      'invoices.currency',
      'invoices.total',
      'invoices.amount_paid',
      'invoices.due_date',
      'customers.name as customer_name',
      'customers.email',
    ])
    .where('invoices.id', '=', invoiceId)
    .executeTakeFirst();
  if (!row) return { customerName: null, email: null, currency: null, total: null, amountPaid: null, dueDate: null };
  return {
    customerName: row.customer_name,
    email: row.email,
    currency: row.currency.trim(),
    total: row.total,
    amountPaid: row.amount_paid,
    dueDate: row.due_date,
  };
}
