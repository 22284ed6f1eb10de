import { describe, expect, it } from 'vitest';
import { renderNotification, type InvoiceFacts } from '../../../src/subscribers/notifications/renderNotification.ts';
import { formatAmount } from '../../../src/subscribers/notifications/formatAmount.ts';
import { readStoredEvent, type StoredEvent } from '../../../src/events/envelope.ts';

const envelope = {
  position: 7,
  eventId: '01900000-0000-7000-8000-000000000001',
  aggregateType: 'invoice',
  aggregateId: 'inv_42',
  aggregateVersion: null,
  schemaVersion: 1,
  occurredAt: '2026-04-02',
  recordedAt: '2026-04-02T08:00:00.000Z',
  correlationId: 'c',
  causationId: null,
  traceparent: null,
  actor: 'system',
  source: 'system',
  externalId: null,
};
const event = (type: string, data: object): StoredEvent => readStoredEvent({ ...envelope, type, data });
const facts: InvoiceFacts = { customerName: 'Ada', email: 'ada@example.com', currency: 'USD', total: 12_345, amountPaid: 2_345, dueDate: '2026-03-31' };

describe('rendering notices', () => {
  it('formats minor units with the currency exponent, without floats', () => {
    expect(formatAmount(12_345, 'USD')).toBe('USD 123.45');
    expect(formatAmount(5, 'EUR')).toBe('EUR 0.05');
    expect(formatAmount(-1_050, 'EUR')).toBe('EUR -10.50');
    expect(formatAmount(500, 'JPY')).toBe('JPY 500');
    expect(formatAmount(1_234, 'KWD')).toBe('KWD 1.234');
    expect(formatAmount(9_007_199_254_740_991, 'USD')).toBe('USD 90071992547409.91');
    expect(formatAmount(700, null)).toBe('700 (minor units)');
  });

  it('an overdue notice names the amount due and the due date from the event', () => {
    const m = renderNotification(event('InvoiceOverdue', { dueDate: '2026-03-31', amountDue: 10_000 }), facts)!;
    expect(m).toMatchObject({ kind: 'overdue', invoiceId: 'inv_42', to: 'ada@example.com' });
    expect(m.subject).toBe('Invoice inv_42 is overdue: USD 100.00 was due on 2026-03-31');
    expect(m.body).toContain('Hello Ada,');
  });

  it('a reminder uses what accrue knows of the invoice, and still renders for an unknown (imported) one', () => {
    expect(renderNotification(event('InvoiceReminderSent', { channel: 'email' }), facts)!.subject).toBe(
      'Reminder: invoice inv_42 for USD 100.00, due on 2026-03-31',
    );
    const bare = renderNotification(event('InvoiceReminderSent', { channel: 'email' }))!;
    expect(bare).toMatchObject({ kind: 'reminder', to: null, subject: 'Reminder: invoice inv_42' });
  });

  it('a receipt for InvoicePaid; no notice for other events', () => {
    const m = renderNotification(event('InvoicePaid', { paymentId: 'pay_1', amount: 10_000, receivedAt: '2026-04-01' }), facts)!;
    expect(m.kind).toBe('receipt');
    expect(m.body).toContain('We received USD 100.00 on 2026-04-01 (payment pay_1)');
    expect(renderNotification(event('InvoiceVoided', { reason: 'x' }), facts)).toBeNull();
  });

  it('tells the operator (no customer recipient) that a webhook endpoint was disabled, and how to turn it back on', () => {
    const endpointId = '01900000-0000-7000-8000-0000000000ee';
    const notice = renderNotification(
      readStoredEvent({ ...envelope, aggregateType: 'webhook_endpoint', aggregateId: endpointId, type: 'WebhookEndpointDisabled', data: { endpointId, url: 'https://hooks.example/x', failingSince: '2026-03-28T08:00:00.000Z', reason: 'every delivery failed since 2026-03-28T08:00:00.000Z (last: answered 503)' } }),
      facts,
    );
    expect(notice).toMatchObject({ kind: 'webhook-disabled', to: null, invoiceId: endpointId, subject: 'Webhook endpoint https://hooks.example/x was disabled' });
    expect(notice!.body).toContain(`PATCH /v1/webhook-endpoints/${endpointId} {"enabled": true}`);
    expect(notice!.body).toContain('answered 503');
  });
});
