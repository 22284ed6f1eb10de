import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createCircuitBreaker } from '../../src/breaker/circuitBreaker.ts';
import { buildSubscribers } from '../../src/subscribers/index.ts';
import { createWebhooksSubscriber, webhookBody } from '../../src/subscribers/webhooks/forwardEventsToWebhook.ts';
import { signWebhookBody, verifyWebhookSignature } from '../../src/subscribers/webhooks/signWebhook.ts';
import { DeliveryFailedError } from '../../src/subscribers/postJson.ts';
import type { Subscriber } from '../../src/bus/subscriber.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase.ts';
import { startHttpEndpoint } from '../helpers/httpEndpoint.ts';
import { dispatch } from '../helpers/dispatch.ts';
import { appendTestEvents, invoiceCreated } from '../helpers/appendTestEvent.ts';

const secret = 'whsec_test_0123456789abcdef';
const lines = [{ lineId: 'l1', kind: 'revenue', description: 'Plan', amount: 12_000 }];

describe('webhooks subscriber', () => {
  let t: TestDatabase;
  let endpoint: Awaited<ReturnType<typeof startHttpEndpoint>>;
  let webhooks: Subscriber;
  beforeAll(async () => {
    t = await createTestDatabase();
    endpoint = await startHttpEndpoint();
    const breaker = createCircuitBreaker({ db: t.db, name: 'webhooks', policy: { failureThreshold: 5, coolDownMs: 30_000, probeLeaseMs: 10_000 } });
    webhooks = createWebhooksSubscriber({ url: endpoint.url, secret, eventTypes: ['InvoiceCreated'], timeoutMs: 2_000, breaker });
  });
  afterAll(async () => {
    await endpoint.close();
    await t.drop();
  });
  beforeEach(() => {
    endpoint.requests.length = 0;
    endpoint.setResponder(() => 200);
  });

  it('POSTs the event signed with HMAC-SHA256 of the body and the eventId as idempotency key', async () => {
    const [event] = await appendTestEvents(t.db, [invoiceCreated('inv_w1', '2026-02-01', { customerId: 'c1', currency: 'USD', lines })]);
    await dispatch(t.db, webhooks, event!);

    expect(endpoint.requests).toHaveLength(1);
    const req = endpoint.requests[0]!;
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['idempotency-key']).toBe(event!.eventId);
    expect(req.headers['x-accrue-event-type']).toBe('InvoiceCreated');
    // The receiver's check: the signature covers exactly the bytes it received.
    expect(verifyWebhookSignature(req.body, req.headers['x-accrue-signature'] as string, secret)).toBe(true);
    expect(req.headers['x-accrue-signature']).toBe(signWebhookBody(req.body, secret));
    expect(verifyWebhookSignature(req.body, req.headers['x-accrue-signature'] as string, 'another-secret-0123456')).toBe(false);
    expect(verifyWebhookSignature(`${req.body} `, req.headers['x-accrue-signature'] as string, secret)).toBe(false);
    const body = JSON.parse(req.body);
    expect(body).toMatchObject({ eventId: event!.eventId, type: 'InvoiceCreated', aggregateId: 'inv_w1', data: { currency: 'USD' } });
    expect(body).toEqual(JSON.parse(webhookBody(event!)));

    const row = await t.db.selectFrom('webhook_deliveries').selectAll().where('event_id', '=', event!.eventId).executeTakeFirstOrThrow();
    expect(row.status_code).toBe(200);
  });

  it('a second delivery of the same event sends nothing', async () => {
    const [event] = await appendTestEvents(t.db, [invoiceCreated('inv_w2', '2026-02-01', { customerId: 'c1', currency: 'USD', lines })]);
    await dispatch(t.db, webhooks, event!);
    await dispatch(t.db, webhooks, event!);
    expect(endpoint.requests).toHaveLength(1);
  });

  it('a non-2xx answer throws so the worker retries, and records no delivery', async () => {
    endpoint.setResponder(() => 503);
    const [event] = await appendTestEvents(t.db, [invoiceCreated('inv_w3', '2026-02-01', { customerId: 'c1', currency: 'USD', lines })]);
    const err = await dispatch(t.db, webhooks, event!).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeliveryFailedError);
    expect((err as DeliveryFailedError).status).toBe(503);
    expect(await t.db.selectFrom('webhook_deliveries').selectAll().where('event_id', '=', event!.eventId).execute()).toHaveLength(0);

    endpoint.setResponder(() => 204); // the retry succeeds and delivers once
    await dispatch(t.db, webhooks, event!);
    expect(endpoint.requests).toHaveLength(2);
    expect(endpoint.requests[0]!.body).toBe(endpoint.requests[1]!.body);
  });

  it('a timeout is a failure too', async () => {
    const breaker = createCircuitBreaker({ db: t.db, name: 'webhooks-timeout', policy: { failureThreshold: 5, coolDownMs: 30_000, probeLeaseMs: 10_000 } });
    const slow = createWebhooksSubscriber({ url: endpoint.url, secret, eventTypes: ['InvoiceCreated'], timeoutMs: 100, breaker });
    let release!: () => void;
    const held = new Promise<number>((resolve) => (release = () => resolve(200)));
    endpoint.setResponder(() => held);
    const [event] = await appendTestEvents(t.db, [invoiceCreated('inv_w4', '2026-02-01', { customerId: 'c1', currency: 'USD', lines })]);
    const err = await dispatch(t.db, slow, event!).catch((e: unknown) => e);
    release();
    expect(err).toBeInstanceOf(DeliveryFailedError);
    expect((err as Error).message).toMatch(/timed out after 100 ms/);
  });

  it('is registered only when ACCRUE_WEBHOOK_URL is configured, with the default event types', () => {
    const deps = { breakerDb: t.db };
    const without = buildSubscribers(loadConfig({}), deps).map((s) => s.name);
    expect(without).toEqual(['notifications', 'analytics']);
    const withUrl = buildSubscribers(loadConfig({ ACCRUE_WEBHOOK_URL: endpoint.url, ACCRUE_WEBHOOK_SECRET: secret }), deps);
    const hook = withUrl.find((s) => s.name === 'webhooks');
    expect(hook?.external).toBe(true);
    expect(hook?.eventTypes).toContain('InvoiceOverdue');
    expect(hook?.eventTypes).toContain('RevenueRecognized');
    expect(hook?.eventTypes).not.toContain('CustomerCreated');
    const some = buildSubscribers(
      loadConfig({ ACCRUE_WEBHOOK_URL: endpoint.url, ACCRUE_WEBHOOK_SECRET: secret, ACCRUE_WEBHOOK_EVENT_TYPES: 'InvoicePaid, InvoiceVoided' }),
      deps,
    );
    expect(some.find((s) => s.name === 'webhooks')?.eventTypes).toEqual(['InvoicePaid', 'InvoiceVoided']);
  });

  it('refuses a webhook URL without a secret, and unknown event types', () => {
    expect(() => loadConfig({ ACCRUE_WEBHOOK_URL: endpoint.url })).toThrow(/ACCRUE_WEBHOOK_SECRET/);
    expect(() => loadConfig({ ACCRUE_WEBHOOK_URL: endpoint.url, ACCRUE_WEBHOOK_SECRET: secret, ACCRUE_WEBHOOK_EVENT_TYPES: 'InvoicePayed' })).toThrow(
      /ACCRUE_WEBHOOK_EVENT_TYPES/,
    );
  });
});
