import type { IncomingEvent } from '../../../src/subscribers/revenue/postInvoiceEvent.ts';

type Line = { lineId: string; kind: 'revenue' | 'discount' | 'tax'; amount: number; servicePeriod?: { start: string; end: string }; appliesToLineId?: string };

/** Event builders for given/when/then tests. */
export const ev = {
  created(eventId: string, invoiceId: string, on: string, lines: Line[], currency = 'USD'): IncomingEvent {
    return { eventId, invoiceId, type: 'InvoiceCreated', occurredAt: on, version: 1, data: { customerId: 'cus', currency, lines: lines.map((l) => ({ description: '', ...l })) } };
  },
  updated(eventId: string, invoiceId: string, on: string, version: number, lines: Line[], currency = 'USD'): IncomingEvent {
    return { eventId, invoiceId, type: 'InvoiceUpdated', occurredAt: on, version, data: { currency, lines: lines.map((l) => ({ description: '', ...l })) } };
  },
  paid(eventId: string, invoiceId: string, on: string, paymentId: string, amount: number, type: 'InvoicePaid' | 'InvoicePaymentReceived' = 'InvoicePaid'): IncomingEvent {
    return { eventId, invoiceId, type, occurredAt: on, version: null, data: { paymentId, amount } };
  },
  voided(eventId: string, invoiceId: string, on: string, type: 'InvoiceVoided' | 'InvoiceDeleted' = 'InvoiceVoided'): IncomingEvent {
    return { eventId, invoiceId, type, occurredAt: on, version: null, data: { reason: 'test' } };
  },
};

/** A line recognised over [start, end). */
export const ratable = (lineId: string, amount: number, start: string, end: string): Line => ({ lineId, kind: 'revenue', amount, servicePeriod: { start, end } });
export const pointInTime = (lineId: string, amount: number): Line => ({ lineId, kind: 'revenue', amount });
export const tax = (lineId: string, amount: number): Line => ({ lineId, kind: 'tax', amount });
export const discount = (lineId: string, amount: number, appliesToLineId?: string): Line => ({
  lineId,
  kind: 'discount',
  amount,
  ...(appliesToLineId ? { appliesToLineId } : {}),
});
