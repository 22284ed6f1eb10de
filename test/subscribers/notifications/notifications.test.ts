import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { buildSubscribers } from '../../../src/subscribers/index.ts';
import { createCircuitBreaker } from '../../../src/bus/breaker/circuitBreaker.ts';
import { BreakerOpenError } from '../../../src/bus/breaker/breakerOpenError.ts';
import { createNotificationsSubscriber } from '../../../src/subscribers/notifications/sendNotifications.ts';
import { webhookChannel } from '../../../src/subscribers/notifications/notificationChannel.ts';
import { DeliveryFailedError } from '../../../src/subscribers/postJson.ts';
import type { Subscriber } from '../../../src/bus/contract/subscriber.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';
import { startHttpEndpoint } from '../../helpers/httpEndpoint.ts';
import { dispatch } from '../../helpers/dispatch.ts';
import { appendTestEvents } from '../../helpers/appendTestEvent.ts';

describe('notifications subscriber', () => {
  let t: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    t = await createTestDatabase();
    dir = await mkdtemp(path.join(os.tmpdir(), 'accrue-notify-'));
    // The invoice as the write side keeps it: 150.00 EUR, 50.00 paid, due 2026-05-31.
    await t.db.insertInto('customers').values({ id: 'cus_n', name: 'Grace Hopper', email: 'grace@example.com' }).execute();
    await t.db
      .insertInto('invoices')
      .values({
        id: 'inv_n1', customer_id: 'cus_n', currency: 'EUR', status: 'open', issued_at: '2026-05-01', due_date: '2026-05-31',
        lines: JSON.stringify([{ lineId: 'l1', kind: 'revenue', amount: 15_000 }]), total: 15_000, tax: 0, amount_paid: 5_000,
      })
      .execute();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await t.drop();
  });

  it('by default writes rendered notices as JSON lines to a file under ACCRUE_DATA_DIR, once per event', async () => {
    const subscribers = buildSubscribers(loadConfig({ ACCRUE_DATA_DIR: dir }), { breakerDb: t.db });
    const notifications = subscribers.find((s) => s.name === 'notifications')!;
    expect(notifications.external).toBe(false);
    expect(notifications.eventTypes).toEqual(['InvoiceReminderSent', 'InvoiceOverdue', 'InvoicePaid', 'WebhookEndpointDisabled']);
    const [reminder, overdue] = await appendTestEvents(t.db, [
      { type: 'InvoiceReminderSent', aggregateId: 'inv_n1', occurredAt: '2026-05-20', data: { channel: 'email' } },
      { type: 'InvoiceOverdue', aggregateId: 'inv_n1', occurredAt: '2026-06-01', data: { dueDate: '2026-05-31', amountDue: 10_000 }, source: 'system' },
    ]);
    const now = new Date('2026-06-01T09:00:00Z');
    await dispatch(t.db, notifications, reminder!, now);
    await dispatch(t.db, notifications, overdue!, now);
    await dispatch(t.db, notifications, overdue!, now); // a second delivery of the same event

    const lines = (await readFile(path.join(dir, 'notifications.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      eventId: reminder!.eventId,
      kind: 'reminder',
      to: 'grace@example.com',
      subject: 'Reminder: invoice inv_n1 for EUR 100.00, due on 2026-05-31',
      deliveredAt: now.toISOString(),
    });
    expect(lines[1]).toMatchObject({ kind: 'overdue', subject: 'Invoice inv_n1 is overdue: EUR 100.00 was due on 2026-05-31' });
    expect(lines[1].body).toContain('Hello Grace Hopper,');

    const rows = await t.db.selectFrom('notification_deliveries').selectAll().orderBy('kind').execute();
    expect(rows.map((r) => [r.kind, r.channel, r.recipient])).toEqual([
      ['overdue', 'file', 'grace@example.com'],
      ['reminder', 'file', 'grace@example.com'],
    ]);
  });

  it('through the webhook channel POSTs the notice, behind the circuit breaker; a failure records nothing', async () => {
    const endpoint = await startHttpEndpoint(() => 500);
    try {
      const breaker = createCircuitBreaker({ db: t.db, name: 'notifications-webhook', policy: { failureThreshold: 2, coolDownMs: 60_000, probeLeaseMs: 10_000 } });
      const notifications: Subscriber = createNotificationsSubscriber(webhookChannel(endpoint.url, 2_000, breaker));
      expect(notifications.external).toBe(true);
      const [paid] = await appendTestEvents(t.db, [
        { type: 'InvoicePaid', aggregateId: 'inv_n1', occurredAt: '2026-06-03', data: { paymentId: 'pay_9', amount: 10_000 } },
      ]);
      const t1 = new Date('2026-06-03T10:00:00Z');
      await expect(dispatch(t.db, notifications, paid!, t1)).rejects.toBeInstanceOf(DeliveryFailedError);
      expect(await t.db.selectFrom('notification_deliveries').selectAll().where('event_id', '=', paid!.eventId).execute()).toHaveLength(0);
      await expect(dispatch(t.db, notifications, paid!, t1)).rejects.toBeInstanceOf(DeliveryFailedError);
      // Two failures opened it: the third attempt is deferred without a request.
      await expect(dispatch(t.db, notifications, paid!, t1)).rejects.toBeInstanceOf(BreakerOpenError);
      expect(endpoint.requests).toHaveLength(2);

      endpoint.setResponder(() => 202);
      await dispatch(t.db, notifications, paid!, new Date(t1.getTime() + 60_000));
      expect(endpoint.requests).toHaveLength(3);
      const received = JSON.parse(endpoint.requests[2]!.body);
      expect(received).toMatchObject({ eventId: paid!.eventId, kind: 'receipt', invoiceId: 'inv_n1', to: 'grace@example.com' });
      expect(received.body).toContain('We received EUR 100.00 on 2026-06-03 (payment pay_9)');
      expect(endpoint.requests[2]!.headers['idempotency-key']).toBe(paid!.eventId);
      const row = await t.db.selectFrom('notification_deliveries').selectAll().where('event_id', '=', paid!.eventId).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ kind: 'receipt', channel: 'webhook' });
    } finally {
      await endpoint.close();
    }
  });

  it('imported events notify nobody unless ACCRUE_NOTIFY_IMPORTED', async () => {
    const file = path.join(dir, 'imported.jsonl');
    const [imported] = await appendTestEvents(t.db, [
      { type: 'InvoiceReminderSent', aggregateId: 'inv_n1', occurredAt: '2025-01-01', data: { channel: 'email' }, source: 'import', externalId: 'ext-r1' },
    ]);
    const quiet = buildSubscribers(loadConfig({ ACCRUE_NOTIFY_FILE: file }), { breakerDb: t.db }).find((s) => s.name === 'notifications')!;
    await dispatch(t.db, quiet, imported!);
    expect(await t.db.selectFrom('notification_deliveries').selectAll().where('event_id', '=', imported!.eventId).execute()).toHaveLength(0);
    const loud = buildSubscribers(loadConfig({ ACCRUE_NOTIFY_FILE: file, ACCRUE_NOTIFY_IMPORTED: 'true' }), { breakerDb: t.db }).find(
      (s) => s.name === 'notifications',
    )!;
    await dispatch(t.db, loud, imported!);
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ eventId: imported!.eventId, kind: 'reminder' });
  });

  it('the channel follows the config: webhook when its URL is set, log when asked', () => {
    const hook = buildSubscribers(loadConfig({ ACCRUE_NOTIFY_WEBHOOK_URL: 'http://127.0.0.1:9/notify' }), { breakerDb: t.db });
    expect(hook.find((s) => s.name === 'notifications')!.external).toBe(true);
    expect(() => loadConfig({ ACCRUE_NOTIFY_CHANNEL: 'webhook' })).toThrow(/ACCRUE_NOTIFY_WEBHOOK_URL/);
    const logged = buildSubscribers(loadConfig({ ACCRUE_NOTIFY_CHANNEL: 'log' }), { breakerDb: t.db });
    expect(logged.find((s) => s.name === 'notifications')!.external).toBe(false);
  });
});
