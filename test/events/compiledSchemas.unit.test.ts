import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { parseEventData, readStoredEvent, storedEventShape, zodIssues, type StoredEvent } from '../../src/events/envelope.ts';
import { EVENT_TYPE_NAMES, eventTypes, type EventType } from '../../src/events/eventTypes.ts';
import { ValidationError } from '../../src/errors.ts';

// envelope.ts parses with zod's compiled clones of the published schemas (z.compile):
// what a reader gets, and the issues an invalid payload is refused with, must be the schemas' own.
const line = (over: Record<string, unknown> = {}) => ({ lineId: 'l1', kind: 'revenue', amount: 1200, servicePeriod: { start: '2026-01-01', end: '2027-01-01' }, ...over });
const payloads: [EventType, unknown][] = [
  ['InvoiceCreated', { customerId: 'cus_1', currency: 'USD', issuedAt: '2026-01-01', dueDate: '2026-01-31', lines: [line(), line({ lineId: 'd1', kind: 'discount', amount: -100, appliesToLineId: 'l1', servicePeriod: undefined })] }],
  ['InvoiceCreated', { customerId: 'cus_1', currency: 'USD', lines: [line({ description: 'Annual plan' }), line({ lineId: 't1', kind: 'tax', amount: 240, servicePeriod: undefined })] }],
  ['InvoiceUpdated', { currency: 'EUR', lines: [line()], reason: 'price change' }],
  ['InvoicePaymentReceived', { paymentId: 'pay_1', amount: 1200, receivedAt: '2026-01-02' }],
  ['InvoicePaid', { paymentId: 'pay_1', amount: 1200 }],
  ['InvoiceVoided', {}],
  // Invalid, one way each: the schemas' refinements, strictness, types and bounds.
  ['InvoiceCreated', { customerId: 'cus_1', currency: 'USD', lines: [line(), line()] }],
  ['InvoiceCreated', { customerId: 'cus_1', currency: 'usd', lines: [line({ description: 'a\u0000b' })] }],
  ['InvoiceCreated', { customerId: '', currency: 'USD', lines: [line({ servicePeriod: { start: '2026-02-30', end: '2026-01-01' } })] }],
  ['InvoiceCreated', { customerId: 'cus_1', currency: 'USD', lines: [line({ kind: 'discount' })], extra: 1 }],
  ['InvoiceCreated', { customerId: 'cus_1', currency: 'USD', lines: [] }],
  ['InvoiceCreated', { customerId: 'cus_1', currency: 'USD', lines: [line({ amount: 2 ** 53 }), line({ lineId: 'l2', amount: 1.5 })] }],
  ['InvoicePaymentReceived', { paymentId: 'pay_1', amount: -1 }],
  ['InvoiceVoided', { reason: 1 }],
  ['InvoiceVoided', 'void'],
];

const outcome = (parse: () => unknown) => {
  try {
    return { data: parse() };
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return { message: error.message, issues: error.issues };
  }
};

describe('compiled event schemas', () => {
  it.each(payloads.map(([type, data], i) => [i, type, data] as const))('payload %i (%s): the published schema’s output or issues', (_i, type, data) => {
    const expected = eventTypes[type].data.safeParse(data);
    const got = outcome(() => parseEventData(type, data));
    if (expected.success) {
      expect(got).toEqual({ data: expected.data });
      expect(JSON.stringify(got.data)).toBe(JSON.stringify(expected.data));
    }
    else expect(got).toEqual({ message: `invalid ${type} payload`, issues: zodIssues(expected.error, ['data']) });
  });

  // A schema part zod cannot compile falls back to its runtime parser silently (and the
  // saving with it): strict compilation refuses instead. Every type, and the envelope.
  it.each(EVENT_TYPE_NAMES)('%s compiles in full', (type) => {
    expect(() => z.compile(eventTypes[type].data, { strict: true })).not.toThrow();
  });

  it.each(EVENT_TYPE_NAMES)('%s refuses an empty and a wrong-typed payload with the published schema’s issues', (type) => {
    for (const data of [{}, { amount: 'x', lines: 3, unknownKey: true }, null]) {
      const expected = eventTypes[type].data.safeParse(data);
      const got = outcome(() => parseEventData(type, data));
      if (expected.success) expect(JSON.stringify(got)).toBe(JSON.stringify({ data: expected.data }));
      else expect(got).toEqual({ message: `invalid ${type} payload`, issues: zodIssues(expected.error, ['data']) });
    }
  });

  it('reads an envelope as the published schema does, and refuses a bad one with its issues', () => {
    const raw = { position: 7, eventId: '0190c1a8-7e5c-7000-8000-000000000007', type: 'InvoicePaid', schemaVersion: 1, aggregateType: 'invoice', aggregateId: 'inv_1', aggregateVersion: 3, occurredAt: '2026-12-01', recordedAt: '2026-12-01T10:00:00.000Z', correlationId: 'c1', causationId: null, traceparent: null, actor: 'test', source: 'api', externalId: null, data: { paymentId: 'pay_1', amount: 5 } };
    expect(JSON.stringify(readStoredEvent(raw))).toBe(JSON.stringify({ ...storedEventShape.parse(raw), data: { paymentId: 'pay_1', amount: 5 } }));
    expect(() => z.compile(storedEventShape, { strict: true })).not.toThrow();
    for (const bad of [{ ...raw, eventId: 'nope' }, { ...raw, type: 'NoSuchEvent' }, { ...raw, position: 1.5, data: [] }]) {
      const expected = storedEventShape.safeParse(bad);
      expect(outcome(() => readStoredEvent(bad as unknown as StoredEvent))).toEqual({ message: 'invalid event envelope', issues: zodIssues(expected.error!) });
    }
  });
});
