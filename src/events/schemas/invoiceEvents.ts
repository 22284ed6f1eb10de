import { z } from 'zod';
import { currencyCode, identifier, isoDay, minorAmount, nonNegativeAmount, safeText, servicePeriod } from '../primitives.ts';

export const invoiceLine = z
  .object({
    lineId: identifier,
    kind: z.enum(['revenue', 'discount', 'tax']),
    description: safeText(500).default(''),
    amount: minorAmount,
    servicePeriod: servicePeriod.optional(),
    appliesToLineId: identifier.optional(),
  })
  .strict()
  .superRefine((line, ctx) => {
    if (line.kind === 'discount' && line.amount > 0) {
      ctx.addIssue({ code: 'custom', path: ['amount'], message: 'a discount line must not be positive' });
    }
    if (line.kind === 'tax' && line.amount < 0) {
      ctx.addIssue({ code: 'custom', path: ['amount'], message: 'a tax line must not be negative' });
    }
    if (line.appliesToLineId !== undefined && line.kind !== 'discount') {
      ctx.addIssue({ code: 'custom', path: ['appliesToLineId'], message: 'only discount lines apply to another line' });
    }
  });
export type InvoiceLine = z.infer<typeof invoiceLine>;

/** Largest total of |amount| over an invoice's lines, and of the payments on it: Number.MAX_SAFE_INTEGER. */
export const MAX_INVOICE_MAGNITUDE = BigInt(Number.MAX_SAFE_INTEGER);

export const invoiceLines = z
  .array(invoiceLine)
  .min(1)
  .max(1000)
  .superRefine((lines, ctx) => {
    const seen = new Set<string>();
    const revenueIds = new Set(lines.filter((l) => l.kind === 'revenue').map((l) => l.lineId));
    lines.forEach((line, i) => {
      if (seen.has(line.lineId)) ctx.addIssue({ code: 'custom', path: [i, 'lineId'], message: 'duplicate lineId' });
      seen.add(line.lineId);
      if (line.appliesToLineId !== undefined && !revenueIds.has(line.appliesToLineId)) {
        ctx.addIssue({ code: 'custom', path: [i, 'appliesToLineId'], message: 'must name a revenue line of this invoice' });
      }
    });
    // Each amount is a safe integer, but the total, tax, net revenue and every partial
    // sum the books take (a line's net after discounts, discount weights) must be too:
    // bounding the sum of |amount| bounds them all. Summed in bigint, so it cannot wrap.
    const magnitude = lines.reduce((sum, l) => sum + (Number.isSafeInteger(l.amount) ? BigInt(Math.abs(l.amount)) : 0n), 0n);
    if (magnitude > MAX_INVOICE_MAGNITUDE) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: `the sum of the lines' absolute amounts (${magnitude}) must not exceed ${MAX_INVOICE_MAGNITUDE} (2^53-1, the largest exact amount): totals, tax and net revenue must stay exact`,
      });
    }
  });

/** The full state of an issued invoice, as InvoiceCreated and InvoiceUpdated carry it. */
export const invoiceState = z
  .object({
    customerId: identifier,
    currency: currencyCode,
    dueDate: isoDay.optional(),
    issuedAt: isoDay.optional(),
    lines: invoiceLines,
    reason: safeText(500).optional(),
  })
  .strict();
export type InvoiceStateData = z.infer<typeof invoiceState>;

export const InvoiceCreated = invoiceState;
// An update may come from a system that does not repeat the customer.
export const InvoiceUpdated = invoiceState.extend({ customerId: identifier.optional() });
export const InvoicePaymentReceived = z
  .object({ paymentId: identifier, amount: nonNegativeAmount, receivedAt: isoDay.optional() })
  .strict();
export const InvoicePaid = InvoicePaymentReceived;
export const InvoiceVoided = z.object({ reason: safeText(500).default('') }).strict();
export const InvoiceDeleted = InvoiceVoided;
export const InvoiceReminderSent = z.object({ channel: safeText(64).pipe(z.string().min(1)) }).strict();
export const InvoiceOverdue = z.object({ dueDate: isoDay, amountDue: minorAmount }).strict();
