import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { createCircuitBreaker } from '../../../src/bus/breaker/circuitBreaker.ts';
import { readStoredEvent } from '../../../src/events/envelope.ts';
import { createLogger } from '../../../src/telemetry/logger.ts';
import { buildSubscribers } from '../../../src/subscribers/index.ts';
import { webhookChannel } from '../../../src/subscribers/notifications/notificationChannel.ts';
import { createNotificationsSubscriber } from '../../../src/subscribers/notifications/sendNotifications.ts';
import { verifyWebhook } from '../../../src/subscribers/webhooks/verifyWebhook.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';
import { startHttpEndpoint } from '../../helpers/httpEndpoint.ts';
import { dispatch } from '../../helpers/dispatch.ts';
import { appendTestEvents } from '../../helpers/appendTestEvent.ts';

/** Costs: one test database, one local HTTP endpoint, 4 deliveries. */
describe('notification webhook channel: signed with ACCRUE_NOTIFY_WEBHOOK_SECRET', () => {
  let t: TestDatabase;
  let endpoint: Awaited<ReturnType<typeof startHttpEndpoint>>;
  beforeAll(async () => {
    t = await createTestDatabase();
    endpoint = await startHttpEndpoint();
  });
  afterAll(async () => {
    await endpoint.close();
    await t.drop();
  });

  const reminder = (invoiceId: string) =>
    appendTestEvents(t.db, [{ type: 'InvoiceReminderSent', aggregateId: invoiceId, occurredAt: '2026-05-20', data: { channel: 'email' } }]).then((e) => e[0]!);

  it('with the secret set, the receiver verifies each notice; webhook-id is the event id', async () => {
    const secret = 'whsec_c2VjcmV0LW9mLXRoZS1ub3RpZmljYXRpb24tZW5kcG9pbnQ=';
    const config = loadConfig({ ACCRUE_NOTIFY_WEBHOOK_URL: endpoint.url, ACCRUE_NOTIFY_WEBHOOK_SECRET: secret });
    const notifications = buildSubscribers(config, { breakerDb: t.db }).find((s) => s.name === 'notifications')!;
    const event = await reminder('inv_s1');
    await dispatch(t.db, notifications, event);
    const req = endpoint.requests.at(-1)!;
    expect(verifyWebhook(req.body, req.headers, secret)).toMatchObject({ ok: true, id: event.eventId });
    expect(JSON.parse(req.body)).toMatchObject({ eventId: event.eventId, kind: 'reminder' });
    expect(verifyWebhook(req.body.replace('reminder', 'receipt'), req.headers, secret).ok).toBe(false);
  });

  it('without it (setups from before the setting), notices still go out, unsigned, with one warning per process', async () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'warn', destination: new Writable({ write: (c, _e, done) => { lines.push(String(c)); done(); } }) });
    const breaker = createCircuitBreaker({ db: t.db, name: 'notify-unsigned', policy: { failureThreshold: 5, coolDownMs: 30_000, probeLeaseMs: 10_000 } });
    const notifications = createNotificationsSubscriber(webhookChannel(endpoint.url, 2_000, breaker));
    for (const id of ['inv_u1', 'inv_u2']) {
      const event = await reminder(id);
      const payload: unknown = JSON.parse(JSON.stringify(event));
      await t.db.transaction().execute((tx) => notifications.handle(readStoredEvent(payload), { db: tx, log, now: new Date() }));
      const req = endpoint.requests.at(-1)!;
      expect(req.headers['idempotency-key']).toBe(event.eventId);
      expect(req.headers['webhook-signature']).toBeUndefined();
    }
    expect(lines.filter((l) => l.includes('ACCRUE_NOTIFY_WEBHOOK_SECRET'))).toHaveLength(1);
  });
});
