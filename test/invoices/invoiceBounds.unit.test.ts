import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.ts';
import { parseEventData } from '../../src/events/envelope.ts';
import type { InvoiceLine } from '../../src/events/schemas/invoiceEvents.ts';
import { decideInvoice, type InvoiceCommand } from '../../src/invoices/decideInvoice.ts';
import type { InvoiceState } from '../../src/invoices/invoice.ts';
import { invoiceContentIssues } from '../../src/invoices/invoiceBounds.ts';
import { DEFAULT_LIMITS } from '../../src/config.ts';
import { reportRangeIssues } from '../../src/reports/reportQuery.ts';

// Pure: the limits are parameters (src/values/limits.ts), nothing here reads config.
const now = new Date('2026-03-10T15:00:00Z');
const MAX = Number.MAX_SAFE_INTEGER;
const line = (lineId: string, amount: number, extra: Partial<InvoiceLine> = {}): InvoiceLine => ({ lineId, kind: 'revenue', description: '', amount, ...extra });
const create = (lines: InvoiceLine[]): InvoiceCommand => ({ type: 'create', invoiceId: 'inv_1', customerId: 'cus_1', currency: 'USD', issuedAt: '2026-03-01', lines });
const fieldsOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValidationError) return err.issues.map((i) => i.field);
    throw err;
  }
  return [];
};

describe('the event contract keeps invoice sums exact', () => {
  it('refuses lines whose absolute amounts sum past 2^53-1, whatever their signs', () => {
    expect(fieldsOf(() => parseEventData('InvoiceCreated', { customerId: 'c', currency: 'USD', lines: [line('a', MAX), line('b', 1)] }))).toEqual(['data.lines']);
    const opposite = [line('a', MAX), { lineId: 'd', kind: 'discount' as const, description: '', amount: -1 }];
    expect(fieldsOf(() => parseEventData('InvoiceCreated', { customerId: 'c', currency: 'USD', lines: opposite }))).toEqual(['data.lines']);
    expect(fieldsOf(() => parseEventData('InvoiceCreated', { customerId: 'c', currency: 'USD', lines: [line('a', MAX - 1), line('b', 1)] }))).toEqual([]);
  });
});

describe('decideInvoice holds an invoice to the limits it is given', () => {
  const limits = { ...DEFAULT_LIMITS, maxInvoiceLines: 2, maxInvoiceEvents: 3, maxServicePeriodYears: 1 };

  it('caps lines and service-period length, naming the field', () => {
    expect(fieldsOf(() => decideInvoice(create([line('a', 1), line('b', 1), line('c', 1)]), null, now, limits))).toEqual(['lines']);
    const long = line('a', 1, { servicePeriod: { start: '2026-01-01', end: '2027-01-02' } });
    expect(fieldsOf(() => decideInvoice(create([long]), null, now, limits))).toEqual(['lines.0.servicePeriod.end']);
    const year = line('a', 1, { servicePeriod: { start: '2026-01-01', end: '2027-01-01' } });
    expect(decideInvoice(create([year]), null, now, limits).state.total).toBe(1);
  });

  it('stops updates, payments and reminders at the event cap; a void still goes through', () => {
    let state: InvoiceState = decideInvoice(create([line('a', 100)]), null, now, limits).state;
    for (let i = 0; i < 2; i++) state = decideInvoice({ type: 'sendReminder', channel: 'email' }, state, now, limits).state;
    expect(state.version).toBe(3);
    expect(fieldsOf(() => decideInvoice({ type: 'sendReminder', channel: 'email' }, state, now, limits))).toEqual(['id']);
    expect(fieldsOf(() => decideInvoice({ type: 'recordPayment', paymentId: 'p', amount: 1 }, state, now, limits))).toEqual(['id']);
    expect(fieldsOf(() => decideInvoice({ type: 'update', expectedVersion: 3, lines: [line('a', 5)] }, state, now, limits))).toEqual(['id']);
    expect(decideInvoice({ type: 'void', reason: 'x' }, state, now, limits).state.status).toBe('void');
  });

  it('refuses a payment that would take amount paid past 2^53-1', () => {
    let state = decideInvoice(create([line('a', MAX)]), null, now).state;
    state = decideInvoice({ type: 'recordPayment', paymentId: 'p1', amount: MAX - 1 }, state, now).state;
    expect(fieldsOf(() => decideInvoice({ type: 'recordPayment', paymentId: 'p2', amount: 2 }, state, now))).toEqual(['amount']);
    expect(decideInvoice({ type: 'recordPayment', paymentId: 'p2', amount: 1 }, state, now).state).toMatchObject({ amountPaid: MAX, status: 'paid' });
  });
});

describe('dates and report ranges', () => {
  it('business dates must fall in the configured years', () => {
    expect(invoiceContentIssues({ issuedAt: '1899-12-31', dueDate: '2200-01-01', lines: [line('a', 1)] }, DEFAULT_LIMITS).map((i) => i.field)).toEqual(['issuedAt', 'dueDate']);
    expect(invoiceContentIssues({ issuedAt: '1900-01-01', dueDate: '2199-12-31', lines: [line('a', 1)] }, DEFAULT_LIMITS, 'data')).toEqual([]);
  });

  it('report ranges are bounded in years and months', () => {
    expect(reportRangeIssues({ from: '1900-01', to: '1999-12' }, DEFAULT_LIMITS)).toEqual([]);
    expect(reportRangeIssues({ from: '1900-01', to: '2000-01' }, DEFAULT_LIMITS).map((i) => i.field)).toEqual(['query.to']);
    expect(reportRangeIssues({ asOf: '9999-12-31' }, DEFAULT_LIMITS).map((i) => i.field)).toEqual(['query.asOf']);
  });
});
