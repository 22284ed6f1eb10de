import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { startRelay, type RelayHandle } from '../../../src/bus/relay/startRelay.ts';
import { startWorker, type WorkerHandle } from '../../../src/bus/worker/startWorker.ts';
import { buildSubscribers } from '../../../src/subscribers/index.ts';
import { revenueSubscriber } from '../../../src/subscribers/revenue/index.ts';
import { verifyWebhook } from '../../../src/subscribers/webhooks/verifyWebhook.ts';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import type { Subscriber } from '../../../src/bus/contract/subscriber.ts';
import { connect, type DbHandle } from '../../../src/db/connect.ts';
import { testSettings } from '../../helpers/busTestKit.ts';
import { startHttpEndpoint, type ReceivedRequest } from '../../helpers/httpEndpoint.ts';
import { createCustomer, createTestApi, invoiceBody, type TestApi } from '../../helpers/testApi.ts';

/**
 * Webhook endpoints end to end (issue 13, part 1): the API registers endpoints, the
 * relay and worker run the webhooks subscriber (fan-out) and its delivery queue, and
 * real HTTP receivers on loopback answer (ACCRUE_WEBHOOK_ALLOW_PRIVATE: they are
 * private addresses). Retries run on a schedule of 1 s steps.
 */
const config = loadConfig({
  ACCRUE_WEBHOOK_ALLOW_PRIVATE: 'true',
  ACCRUE_WEBHOOK_RETRY_SCHEDULE: '1,1,1,1,1,1,1,1,1,1',
  ACCRUE_OUTBOUND_TIMEOUT_MS: '1000',
  ACCRUE_BREAKER_FAILURES: '1000',
  ACCRUE_BREAKER_COOLDOWN_MS: '1000',
});

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const ids = (requests: readonly ReceivedRequest[]) => requests.map((r) => r.headers['webhook-id'] as string);
const types = (requests: readonly ReceivedRequest[]) => requests.map((r) => JSON.parse(r.body).type as string);

describe('webhook endpoints', () => {
  let api: TestApi;
  let breakerPool: DbHandle;
  let worker: WorkerHandle;
  let relay: RelayHandle;
  let a: Awaited<ReturnType<typeof startHttpEndpoint>>;
  let b: Awaited<ReturnType<typeof startHttpEndpoint>>;

  beforeAll(async () => {
    api = await createTestApi({ webhooks: { allowPrivate: true } });
    breakerPool = connect(api.t.url, { max: 2 });
    a = await startHttpEndpoint();
    b = await startHttpEndpoint();
    const webhooks = buildSubscribers(config, { breakerDb: breakerPool.db }).find((s) => s.name === 'webhooks') as Subscriber;
    const subscribers = [revenueSubscriber, webhooks];
    const settings = testSettings({ worker: { outboundTimeoutMs: 1000 } });
    worker = await startWorker({ url: api.t.url, subscribers, settings, log: silentLogger });
    relay = await startRelay({ url: api.t.url, subscribers, settings, log: silentLogger });
  });
  afterAll(async () => {
    await relay?.stop();
    await worker?.stop();
    await a?.close();
    await b?.close();
    await breakerPool?.close();
    await api?.drop();
  });
  beforeEach(() => {
    a.requests.length = 0;
    b.requests.length = 0;
    a.setResponder(() => 200);
    b.setResponder(() => 200);
  });

  async function register(url: string, eventTypes: string[] | '*', description = '') {
    const res = await api.call('POST', '/v1/webhook-endpoints', { body: { url, eventTypes, description } });
    expect(res.status).toBe(201);
    return res.body as { id: string; secret: string };
  }

  it('two endpoints with different filters each receive exactly their events, signed and with the event id as webhook-id', async () => {
    const ca = await register(a.url, ['CustomerCreated'], 'customers');
    const cb = await register(b.url, ['InvoiceCreated', 'InvoicePaid']);
    expect(ca.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);

    const customerId = await createCustomer(api, 'Filter');
    const invoice = await api.call('POST', '/v1/invoices', { body: invoiceBody(customerId) });
    expect(invoice.status).toBe(201);
    const stored = await api.t.db.selectFrom('events').select(['event_id', 'type']).where('type', 'in', ['CustomerCreated', 'InvoiceCreated']).execute();
    const eventOf = (type: string) => stored.find((e) => e.type === type)!.event_id;

    await waitFor('both deliveries', () => a.requests.length >= 1 && b.requests.length >= 1);
    // Anything else (the revenue events, the endpoints' own events) would have come by the time the ledger is written.
    await waitFor('the ledger', async () => (await api.t.db.selectFrom('ledger_entries').select('entry_id').limit(1).execute()).length > 0);
    await new Promise((r) => setTimeout(r, 500));
    expect(types(a.requests)).toEqual(['CustomerCreated']);
    expect(types(b.requests)).toEqual(['InvoiceCreated']);
    expect(ids(a.requests)).toEqual([eventOf('CustomerCreated')]);
    expect(ids(b.requests)).toEqual([eventOf('InvoiceCreated')]);

    const [ra] = a.requests;
    expect(verifyWebhook(ra!.body, ra!.headers, ca.secret)).toMatchObject({ ok: true, id: eventOf('CustomerCreated') });
    expect(verifyWebhook(ra!.body, ra!.headers, cb.secret).ok).toBe(false);
    expect(verifyWebhook(b.requests[0]!.body, b.requests[0]!.headers, cb.secret).ok).toBe(true);
    // The body is the public envelope.
    expect(Object.keys(JSON.parse(ra!.body)).sort()).toEqual(['aggregate', 'correlationId', 'data', 'id', 'occurredAt', 'type']);

    // The delivery log shows the attempt: status, latency, the first KiB of the answer.
    const log = await api.call('GET', `/v1/webhook-endpoints/${ca.id}/deliveries`);
    expect(log.status).toBe(200);
    expect(log.body.data).toHaveLength(1);
    expect(log.body.data[0]).toMatchObject({ eventId: eventOf('CustomerCreated'), eventType: 'CustomerCreated', status: 'succeeded', lastStatusCode: 200 });
    expect(log.body.data[0].attempts).toEqual([expect.objectContaining({ attempt: 1, statusCode: 200, responseBody: 'status 200', error: null })]);

    // Both endpoints off for the tests below.
    for (const id of [ca.id, cb.id]) expect((await api.call('PATCH', `/v1/webhook-endpoints/${id}`, { body: { enabled: false } })).status).toBe(200);
  });
});
