import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { createCircuitBreaker } from '../../../src/bus/breaker/circuitBreaker.ts';
import { buildSubscribers } from '../../../src/subscribers/index.ts';
import { createWebhooksSubscriber, webhookBody } from '../../helpers/externalWebhookSubscriber.ts';
import { signWebhookBody, verifyWebhookSignature } from '../../../src/subscribers/webhooks/signWebhook.ts';
import { verifyWebhook } from '../../../src/subscribers/webhooks/verifyWebhook.ts';
import { DeliveryFailedError } from '../../../src/subscribers/postJson.ts';
import type { Subscriber } from '../../../src/bus/contract/subscriber.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';
import { startHttpEndpoint } from '../../helpers/httpEndpoint.ts';
import { dispatch } from '../../helpers/dispatch.ts';
import { appendTestEvents, invoiceCreated } from '../../helpers/appendTestEvent.ts';

// Standard Webhooks form: whsec_ + base64 of the key bytes.
const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
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

  it('POSTs the event signed the Standard Webhooks way (and the deprecated x-accrue-signature), the eventId as idempotency key', async () => {
    const [event] = await appendTestEvents(t.db, [invoiceCreated('inv_w1', '2026-02-01', { customerId: 'c1', currency: 'USD', lines })]);
    const sentAfter = Math.floor(Date.now() / 1000);
    await dispatch(t.db, webhooks, event!);

    expect(endpoint.requests).toHaveLength(1);
    const req = endpoint.requests[0]!;
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['idempotency-key']).toBe(event!.eventId);
    expect(req.headers['x-accrue-event-type']).toBe('InvoiceCreated');
    // The receiver's check: id, send time and the exact bytes it received are signed.
    const verified = verifyWebhook(req.body, req.headers, secret);
    expect(verified).toEqual({ ok: true, id: event!.eventId, timestamp: Number(req.headers['webhook-timestamp']) });
    expect(Number(req.headers['webhook-timestamp'])).toBeGreaterThanOrEqual(sentAfter);
    expect(req.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(verifyWebhook(req.body, req.headers, 'whsec_c2VjcmV0LW9mLWFub3RoZXItZW5kcG9pbnQ=').ok).toBe(false);
    expect(verifyWebhook(req.body.replace('"USD"', '"EUR"'), req.headers, secret).ok).toBe(false);
    // Deprecated header, kept one release: HMAC of the body alone, keyed with the secret string.
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

  it('a retry keeps the webhook-id and is stamped and signed anew; a recorded delivery replayed after 5 minutes is refused', async () => {
    let clock = new Date('2026-02-01T10:00:00Z');
    const breaker = createCircuitBreaker({ db: t.db, name: 'webhooks-retry', policy: { failureThreshold: 5, coolDownMs: 30_000, probeLeaseMs: 10_000 } });
    const hook = createWebhooksSubscriber({ url: endpoint.url, secret, eventTypes: ['InvoiceCreated'], timeoutMs: 2_000, breaker, clock: () => clock });
    endpoint.setResponder(() => 500);
    const [event] = await appendTestEvents(t.db, [invoiceCreated('inv_w5', '2026-02-01', { customerId: 'c1', currency: 'USD', lines })]);
    await expect(dispatch(t.db, hook, event!)).rejects.toBeInstanceOf(DeliveryFailedError);
    clock = new Date('2026-02-01T10:02:00Z');
    endpoint.setResponder(() => 200);
    await dispatch(t.db, hook, event!);

    const [first, retry] = endpoint.requests;
    expect(first!.headers['webhook-id']).toBe(event!.eventId);
    expect(retry!.headers['webhook-id']).toBe(event!.eventId);
    expect([first!.headers['webhook-timestamp'], retry!.headers['webhook-timestamp']]).toEqual(['1769940000', '1769940120']);
    expect(retry!.body).toBe(first!.body);
    expect(verifyWebhook(retry!.body, retry!.headers, secret, { now: clock })).toMatchObject({ ok: true, id: event!.eventId });
    // Someone who recorded the first attempt sends it again 5 min 1 s after it was signed.
    const replay = verifyWebhook(first!.body, first!.headers, secret, { now: new Date('2026-02-01T10:05:01Z') });
    expect(replay).toMatchObject({ ok: false, reason: expect.stringMatching(/more than 300 s/) });
  });

  it('with a plain (pre-standard) secret the receiver verifies with that same string', async () => {
    const plain = 'webhook-secret-0123456789';
    const breaker = createCircuitBreaker({ db: t.db, name: 'webhooks-plain', policy: { failureThreshold: 5, coolDownMs: 30_000, probeLeaseMs: 10_000 } });
    const hook = createWebhooksSubscriber({ url: endpoint.url, secret: plain, eventTypes: ['InvoiceCreated'], timeoutMs: 2_000, breaker });
    const [event] = await appendTestEvents(t.db, [invoiceCreated('inv_w6', '2026-02-01', { customerId: 'c1', currency: 'USD', lines })]);
    await dispatch(t.db, hook, event!);
    const req = endpoint.requests[0]!;
    expect(verifyWebhook(req.body, req.headers, plain)).toMatchObject({ ok: true, id: event!.eventId });
    expect(verifyWebhookSignature(req.body, req.headers['x-accrue-signature'] as string, plain)).toBe(true);
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

  it('is always registered (endpoints come and go through the API); ACCRUE_WEBHOOK_URL becomes one endpoint row at start, idempotently', async () => {
    const deps = { breakerDb: t.db };
    const names = buildSubscribers(loadConfig({}), deps).map((s) => s.name);
    expect(names).toEqual(['notifications', 'analytics', 'webhooks']);
    const configEndpoints = () => t.db.selectFrom('webhook_endpoints').selectAll().where('from_config', '=', true).execute();
    const endpointEvents = () => t.db.selectFrom('events').select(['type', 'data']).where('aggregate_type', '=', 'webhook_endpoint').orderBy('position').execute();
    await buildSubscribers(loadConfig({}), deps).find((s) => s.name === 'webhooks')!.prepare!(t.db, new Date());
    expect(await configEndpoints()).toEqual([]);

    const configured = (env: Record<string, string>) => buildSubscribers(loadConfig({ ACCRUE_WEBHOOK_URL: endpoint.url, ACCRUE_WEBHOOK_SECRET: secret, ...env }), deps).find((s) => s.name === 'webhooks')!;
    // Two workers starting: one row, one WebhookEndpointCreated.
    await Promise.all([configured({}).prepare!(t.db, new Date()), configured({}).prepare!(t.db, new Date())]);
    let rows = await configEndpoints();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ url: endpoint.url, secret, enabled: true });
    // The default types: invoice and revenue events.
    expect(rows[0]!.event_types).toContain('InvoiceOverdue');
    expect(rows[0]!.event_types).toContain('RevenueRecognized');
    expect(rows[0]!.event_types).not.toContain('CustomerCreated');
    expect((await endpointEvents()).map((e) => e.type)).toEqual(['WebhookEndpointCreated']);

    // A changed configuration updates the row (no secret in the event).
    await configured({ ACCRUE_WEBHOOK_EVENT_TYPES: 'InvoicePaid, InvoiceVoided', ACCRUE_WEBHOOK_SECRET: 'whsec_c2VjcmV0LW9mLWFub3RoZXItZW5kcG9pbnQ=' }).prepare!(t.db, new Date());
    rows = await configEndpoints();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.event_types).toEqual(['InvoicePaid', 'InvoiceVoided']);
    const events = await endpointEvents();
    expect(events.map((e) => e.type)).toEqual(['WebhookEndpointCreated', 'WebhookEndpointUpdated']);
    expect(events[1]!.data).toEqual({ endpointId: rows[0]!.id, eventTypes: ['InvoicePaid', 'InvoiceVoided'], secretChanged: true });
  });

  it('refuses a webhook URL without a secret, and unknown event types', () => {
    expect(() => loadConfig({ ACCRUE_WEBHOOK_URL: endpoint.url })).toThrow(/ACCRUE_WEBHOOK_SECRET/);
    expect(() => loadConfig({ ACCRUE_WEBHOOK_URL: endpoint.url, ACCRUE_WEBHOOK_SECRET: secret, ACCRUE_WEBHOOK_EVENT_TYPES: 'InvoicePayed' })).toThrow(
      /ACCRUE_WEBHOOK_EVENT_TYPES/,
    );
  });
});
