import type { InvoiceLine } from '../events/schemas/invoiceEvents.ts';
import { currencyExponent } from '../values/currencies.ts';

export type InvoiceStatus = 'open' | 'paid' | 'void' | 'deleted';

/** An invoice as the write side keeps it (one row of `invoices`). */
export type InvoiceState = {
  id: string;
  customerId: string;
  currency: string;
  status: InvoiceStatus;
  issuedAt: string;
  dueDate: string | null;
  lines: InvoiceLine[];
  total: number;
  tax: number;
  amountPaid: number;
  /** The aggregateVersion of the invoice's last event: 1 after InvoiceCreated. */
  version: number;
  voidReason: string | null;
};

/** Total includes tax and discounts (discounts are negative); tax is the tax lines' sum. */
export function totals(lines: readonly InvoiceLine[]): { total: number; tax: number } {
  let total = 0;
  let tax = 0;
  for (const line of lines) {
    total += line.amount;
    if (line.kind === 'tax') tax += line.amount;
  }
  return { total, tax };
}

export function amountDue(state: InvoiceState): number {
  if (state.status === 'void' || state.status === 'deleted') return 0;
  return Math.max(0, state.total - state.amountPaid);
}

/** The JSON an API client gets. */
export function invoiceResource(state: InvoiceState & { createdAt?: Date; updatedAt?: Date }) {
  return {
    id: state.id,
    version: state.version,
    status: state.status,
    customerId: state.customerId,
    currency: state.currency,
    currencyExponent: currencyExponent(state.currency),
    issuedAt: state.issuedAt,
    dueDate: state.dueDate,
    lines: state.lines,
    total: state.total,
    tax: state.tax,
    amountPaid: state.amountPaid,
    amountDue: amountDue(state),
    voidReason: state.voidReason,
    ...(state.createdAt ? { createdAt: state.createdAt.toISOString() } : {}),
    ...(state.updatedAt ? { updatedAt: state.updatedAt.toISOString() } : {}),
  };
}
export type InvoiceResource = ReturnType<typeof invoiceResource>;
