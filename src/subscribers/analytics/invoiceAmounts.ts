import type { InvoiceLine } from '../../events/schemas/invoiceEvents.ts';

/** Total (receivable, tax included) and tax of an invoice's lines, in minor units. */
export function invoiceAmounts(lines: readonly InvoiceLine[]): { total: number; tax: number } {
  let total = 0;
  let tax = 0;
  for (const line of lines) {
    total += line.amount;
    if (line.kind === 'tax') tax += line.amount;
  }
  return { total, tax };
}
