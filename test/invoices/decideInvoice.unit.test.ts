import { describe, expect, it } from 'vitest';
import { ConflictError, PreconditionFailedError, ValidationError } from '../../src/errors.ts';
import { decideInvoice, type InvoiceCommand } from '../../src/invoices/decideInvoice.ts';
import type { InvoiceState } from '../../src/invoices/invoice.ts';
import { parseEventData } from '../../src/events/envelope.ts';
import type { InvoiceLine } from '../../src/events/schemas/invoiceEvents.ts';

const now = new Date('2026-03-10T15:00:00Z');
const lines: InvoiceLine[] = [
  { lineId: 'l1', kind: 'revenue', description: 'Plan', amount: 10000, servicePeriod: { start: '2026-03-01', end: '2026-04-01' } },
  { lineId: 't1', kind: 'tax', description: 'VAT', amount: 2000 },
];
const create: InvoiceCommand = { type: 'create', invoiceId: 'inv_1', customerId: 'cus_1', currency: 'USD', issuedAt: '2026-03-01', lines };

function given(...commands: InvoiceCommand[]): InvoiceState {
  let state: InvoiceState | null = null;
  for (const c of commands) state = decideInvoice(c, state, now).state;
  return state!;
}

describe('decideInvoice (given/when/then, no database)', () => {
  it('issues an open invoice dated by its issue date, with totals and a valid InvoiceCreated', () => {
    const { events, state } = decideInvoice(create, null, now);
    expect(state).toMatchObject({ status: 'open', total: 12000, tax: 2000, amountPaid: 0, version: 1 });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'InvoiceCreated', occurredAt: '2026-03-01', aggregateVersion: 1 });
    expect(() => parseEventData('InvoiceCreated', events[0]!.data)).not.toThrow();
  });

  it('defaults the issue date to the clock’s UTC day', () => {
    const { state } = decideInvoice({ ...create, issuedAt: undefined }, null, now);
    expect(state.issuedAt).toBe('2026-03-10');
  });

  it('refuses a currencyExponent that is not the ISO 4217 one, naming the field', () => {
    const err = (() => {
      try {
        decideInvoice({ ...create, currency: 'JPY', currencyExponent: 2 }, null, now);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).issues[0]!.field).toBe('currencyExponent');
    expect(decideInvoice({ ...create, currency: 'KWD', currencyExponent: 3 }, null, now).state.currency).toBe('KWD');
  });

  it('a partial payment keeps it open; the settling one adds InvoicePaid with the same data', () => {
    const open = given(create);
    const first = decideInvoice({ type: 'recordPayment', paymentId: 'p1', amount: 5000, receivedAt: '2026-03-05' }, open, now);
    expect(first.events.map((e) => e.type)).toEqual(['InvoicePaymentReceived']);
    expect(first.state).toMatchObject({ status: 'open', amountPaid: 5000, version: 2 });
    const second = decideInvoice({ type: 'recordPayment', paymentId: 'p2', amount: 7000 }, first.state, now);
    expect(second.events.map((e) => [e.type, e.aggregateVersion, e.occurredAt])).toEqual([
      ['InvoicePaymentReceived', 3, '2026-03-10'],
      ['InvoicePaid', 4, '2026-03-10'],
    ]);
    expect(second.state).toMatchObject({ status: 'paid', amountPaid: 12000, version: 4 });
  });

  it('refuses payments dated before the issue date or in the future', () => {
    const open = given(create);
    expect(() => decideInvoice({ type: 'recordPayment', paymentId: 'p', amount: 1, receivedAt: '2026-02-28' }, open, now)).toThrow(ValidationError);
    expect(() => decideInvoice({ type: 'recordPayment', paymentId: 'p', amount: 1, receivedAt: '2026-03-11' }, open, now)).toThrow(ValidationError);
  });

  it('update needs the current version (412 otherwise) and replaces the lines', () => {
    const open = given(create);
    expect(() => decideInvoice({ type: 'update', expectedVersion: 7, lines }, open, now)).toThrow(PreconditionFailedError);
    const newLines = [{ ...lines[0]!, amount: 5000 }];
    const { events, state } = decideInvoice({ type: 'update', expectedVersion: 1, lines: newLines, reason: 'credit' }, open, now);
    expect(state).toMatchObject({ total: 5000, tax: 0, version: 2 });
    expect(events[0]).toMatchObject({ type: 'InvoiceUpdated', occurredAt: '2026-03-10', aggregateVersion: 2 });
    expect(parseEventData('InvoiceUpdated', events[0]!.data)).toMatchObject({ currency: 'USD', reason: 'credit', customerId: 'cus_1' });
  });

  it('void and delete are tombstones dated today; impossible transitions are conflicts', () => {
    const voided = given(create, { type: 'void', reason: 'duplicate' });
    expect(voided).toMatchObject({ status: 'void', voidReason: 'duplicate', version: 2 });
    const impossible: InvoiceCommand[] = [
      { type: 'void', reason: 'again' },
      { type: 'delete' },
      { type: 'recordPayment', paymentId: 'p', amount: 1 },
      { type: 'update', expectedVersion: 2, lines },
      { type: 'sendReminder', channel: 'email' },
    ];
    for (const c of impossible) expect(() => decideInvoice(c, voided, now)).toThrow(ConflictError);
    const deleted = decideInvoice({ type: 'delete', reason: 'typo' }, given(create), now);
    expect(deleted.events[0]).toMatchObject({ type: 'InvoiceDeleted', occurredAt: '2026-03-10', data: { reason: 'typo' } });
    expect(deleted.state.status).toBe('deleted');
  });

  it('a paid invoice can be voided but not paid or updated again', () => {
    const paid = given(create, { type: 'recordPayment', paymentId: 'p1', amount: 12000 });
    expect(paid.status).toBe('paid');
    expect(() => decideInvoice({ type: 'recordPayment', paymentId: 'p2', amount: 1 }, paid, now)).toThrow(ConflictError);
    expect(() => decideInvoice({ type: 'update', expectedVersion: paid.version, lines }, paid, now)).toThrow(ConflictError);
    expect(decideInvoice({ type: 'void', reason: 'refund' }, paid, now).state.status).toBe('void');
  });

  it('reminders are recorded on open invoices only', () => {
    const r = decideInvoice({ type: 'sendReminder', channel: 'email' }, given(create), now);
    expect(r.events[0]).toMatchObject({ type: 'InvoiceReminderSent', data: { channel: 'email' }, aggregateVersion: 2 });
  });
});
