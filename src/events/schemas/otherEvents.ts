import { z } from 'zod';
import { currencyCode, identifier, isoDay, isoMonth, minorAmount, nonNegativeAmount, safeText } from '../primitives.ts';

export const CustomerCreated = z
  .object({ name: safeText(200).pipe(z.string().min(1)), email: z.email().max(320), externalId: identifier.optional() })
  .strict();
export const CustomerUpdated = CustomerCreated.partial().strict();

// Payments as their own aggregate (a payment may settle several invoices).
export const PaymentReceived = z
  .object({
    paymentId: identifier,
    customerId: identifier.optional(),
    currency: currencyCode,
    amount: nonNegativeAmount,
    receivedAt: isoDay,
    invoiceIds: z.array(identifier).max(1000).default([]),
  })
  .strict();
export const PaymentRefunded = z
  .object({ paymentId: identifier, currency: currencyCode, amount: nonNegativeAmount, reason: safeText(500).optional() })
  .strict();

export const PeriodClosed = z.object({ period: isoMonth }).strict();

// Revenue events, emitted by the revenue subscriber. Amounts are signed minor units.
const revenueMovement = z
  .object({
    invoiceId: identifier,
    currency: currencyCode,
    amount: minorAmount,
    postedOn: isoDay,
    lineId: identifier.optional(),
    entryId: z.string().optional(),
  })
  .strict();
export const RevenueDeferred = revenueMovement;
export const RevenueRecognized = revenueMovement;
export const RevenueAdjusted = revenueMovement;
export const RevenueReversed = revenueMovement;
