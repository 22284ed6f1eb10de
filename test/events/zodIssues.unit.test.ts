import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { zodIssues } from '../../src/events/envelope.ts';
import { importBody } from '../../src/invoices/imports/importEvents.ts';

const issues = (value: unknown) => {
  const r = importBody.safeParse(value);
  if (r.success) throw new Error('expected a failure');
  return zodIssues(r.error);
};
const event = { eventId: 'e1', type: 'InvoiceCreated', occurredAt: '2026-01-01', invoiceId: 'inv_1', data: {} };

describe('zodIssues', () => {
  it('names the field inside the branch of a union the value was meant for (one event or an array)', () => {
    expect(issues({ ...event, type: 'NoSuchEvent' }).map((i) => i.field)).toEqual(['type']);
    expect(issues([event, { ...event, eventId: 'e2', type: 'NoSuchEvent' }]).map((i) => i.field)).toEqual(['1.type']);
    expect(issues({ ...event, occurredAt: 'soon' }).map((i) => i.field)).toEqual(['occurredAt']);
  });

  it('keeps the union as one issue when no branch fits the value at all', () => {
    expect(issues('text')).toEqual([{ field: '(root)', message: expect.any(String) }]);
    const r = z.object({ a: z.union([z.string(), z.number()]) }).safeParse({ a: true });
    expect(zodIssues(r.error!)).toEqual([{ field: 'a', message: expect.any(String) }]);
  });
});
