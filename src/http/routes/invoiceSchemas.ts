import { z } from 'zod';
import { identifier, isoDay, minorAmount, safeText } from '../../events/primitives.ts';
import { invoiceLines, invoiceState } from '../../events/schemas/invoiceEvents.ts';
import { amount, currency, day, instant } from './commonSchemas.ts';

/** POST /v1/invoices: the names of InvoiceCreated.data, plus an optional check of the currency's exponent. */
export const createInvoiceBody = invoiceState
  .omit({ reason: true })
  .extend({
    currencyExponent: z.number().int().optional().meta({ description: 'if sent, must equal the ISO 4217 exponent (USD 2, JPY 0, KWD 3)' }),
  })
  .strict()
  .meta({ id: 'CreateInvoice' });

/**
 * PATCH /v1/invoices/{id}: a JSON merge patch (RFC 7396) of the fields other than
 * `lines` (a field left out stays; dueDate null removes it); `lines`, when sent, is the
 * complete new line set, never merged line by line. InvoiceUpdated carries the full state.
 */
export const updateInvoiceBody = z
  .object({
    lines: invoiceLines.optional().meta({ description: 'the complete new line set (replaces every line); leave out to keep the lines' }),
    dueDate: isoDay.nullable().optional().meta({ description: 'leave out to keep it; null removes it' }),
    reason: safeText(500).optional().meta({ description: 'why, stored on the InvoiceUpdated event' }),
  })
  .strict()
  .refine((b) => b.lines !== undefined || b.dueDate !== undefined, { message: 'send lines, dueDate or both' })
  .meta({ id: 'UpdateInvoice' });

export const voidInvoiceBody = z.object({ reason: safeText(500).pipe(z.string().min(1)) }).strict();
export const deleteInvoiceBody = z.object({ reason: safeText(500).optional() }).strict();

export const paymentBody = z
  .object({
    paymentId: identifier,
    amount: minorAmount.refine((n) => n > 0, { message: 'must be a positive amount of minor units' }),
    receivedAt: isoDay.optional(),
  })
  .strict();

export const reminderBody = z.object({ channel: safeText(64).pipe(z.string().min(1)) }).strict();

const lineSchema = z.object({
  lineId: z.string(),
  kind: z.enum(['revenue', 'discount', 'tax']),
  description: z.string(),
  amount,
  servicePeriod: z.object({ start: day, end: day.meta({ description: 'exclusive: the first day not served' }) }).optional(),
  appliesToLineId: z.string().optional(),
});

export const invoiceSchema = z
  .object({
    id: z.string(),
    version: z.number().int().meta({ description: 'bumped by every change; the ETag' }),
    status: z.enum(['open', 'paid', 'void', 'deleted']),
    customerId: z.string(),
    currency,
    currencyExponent: z.number().int().meta({ description: 'digits of the minor unit (USD 2, JPY 0, KWD 3)' }),
    issuedAt: day,
    dueDate: day.nullable(),
    lines: z.array(lineSchema),
    total: amount,
    tax: amount,
    amountPaid: amount,
    amountDue: amount,
    voidReason: z.string().nullable(),
    createdAt: instant.optional(),
    updatedAt: instant.optional(),
  })
  .meta({ id: 'Invoice' });

export const invoiceListQuery = z.object({
  customerId: identifier.optional(),
  customerExternalId: z.string().min(1).max(255).optional().meta({ description: "invoices of the customer with this externalId (the customer's id in your own system)" }),
  status: z.enum(['open', 'paid', 'void', 'deleted']).optional(),
  issuedFrom: isoDay.optional().meta({ description: 'issue date on or after (YYYY-MM-DD)' }),
  issuedTo: isoDay.optional().meta({ description: 'issue date on or before (YYYY-MM-DD)' }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(400).optional(),
});
