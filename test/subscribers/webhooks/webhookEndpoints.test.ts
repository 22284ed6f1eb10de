import http from 'node:http';
import type { AddressInfo } from 'node:net';
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
import { freePort } from '../../helpers/freePort.ts';
import { outageProxy } from '../../helpers/outageProxy.ts';
import { startHttpEndpoint, type ReceivedRequest } from '../../helpers/httpEndpoint.ts';
import { createCustomer, createTestApi, invoiceBody, type TestApi } from '../../helpers/testApi.ts';
import { waitFor } from '../../helpers/accrueProcess.ts';
import { waitUntilDrained } from '../../../src/bus/operator/getStatus.ts';

/**
 * Webhook endpoints end to end (issue 13, part 1): the API registers endpoints, the
 * relay and worker run the webhooks subscriber (fan-out) and its delivery queue, and
 * real HTTP receivers on loopback answer (ACCRUE_WEBHOOK_ALLOW_PRIVATE: they are
 * private addresses). Retries run on a schedule of 1 s steps.
 */
const config = loadConfig({
  ACCRUE_WEBHOOK_ALLOW_PRIVATE: 'true',
  ACCRUE_WEBHOOK_RETRY_SCHEDULE: '1,1,1,1,1,1,1,1,1,1',
  ACCRUE_OUTBOUND_TIMEOUT_MS: '4000',
  ACCRUE_WEBHOOK_CONCURRENCY: '6',
  ACCRUE_WEBHOOK_ENDPOINT_CONCURRENCY: '2',
  ACCRUE_BREAKER_FAILURES: '1000',
  ACCRUE_BREAKER_COOLDOWN_MS: '1000',
});


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
    const settings = testSettings({ worker: { outboundTimeoutMs: 4000 } });
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

  const invoiceIds = async (n: number) => {
    const customerId = await createCustomer(api, `C${Math.random().toString(36).slice(2, 8)}`);
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const res = await api.call('POST', '/v1/invoices', { body: invoiceBody(customerId) });
      expect(res.status).toBe(201);
      out.push(res.body.id);
    }
    return out;
  };
  const createdEventIds = async (invoices: readonly string[]) =>
    (await api.t.db.selectFrom('events').select('event_id').where('type', '=', 'InvoiceCreated').where('aggregate_id', 'in', [...invoices]).execute()).map((e) => e.event_id).sort();
  const deliveriesOf = (endpointId: string) => api.t.db.selectFrom('webhook_endpoint_deliveries').selectAll().where('endpoint_id', '=', endpointId).execute();

  it('an endpoint that takes revenue events receives those written from its registration on (their outbox rows start then)', async () => {
    const revenueEventsOf = async (invoices: readonly string[]) =>
      (await api.t.db.selectFrom('events').select('event_id').where('type', 'in', ['RevenueDeferred', 'RevenueRecognized']).where('aggregate_id', 'in', [...invoices]).execute()).map((e) => e.event_id);
    // Written while no subscription took revenue events: no outbox row, so never relayed.
    const before = await invoiceIds(1);
    await waitUntilDrained(api.t.db, { timeoutMs: 30_000 });
    const unrelayed = await revenueEventsOf(before);
    expect(unrelayed.length).toBeGreaterThan(0);

    const ep = await register(a.url, ['RevenueDeferred', 'RevenueRecognized']);
    try {
      const after = await invoiceIds(2);
      await waitUntilDrained(api.t.db, { timeoutMs: 30_000 });
      const expected = await revenueEventsOf(after);
      expect(expected.length).toBeGreaterThanOrEqual(2);
      await waitFor('their deliveries', () => expected.every((id) => ids(a.requests).includes(id)));
      const delivered = ids(a.requests);
      expect(new Set(delivered).size).toBe(delivered.length);
      for (const id of unrelayed) expect(delivered).not.toContain(id);
      for (const type of types(a.requests)) expect(['RevenueDeferred', 'RevenueRecognized']).toContain(type);
    } finally {
      await api.call('DELETE', `/v1/webhook-endpoints/${ep.id}`);
    }
  });

  it('after rotate-secret both secrets sign during the overlap (two v1 signatures); after it only the new one', async () => {
    const ep = await register(a.url, ['InvoiceCreated']);
    const rotated = await api.call('POST', `/v1/webhook-endpoints/${ep.id}/rotate-secret`, { body: { overlapSeconds: 3600 } });
    expect(rotated.status).toBe(200);
    expect(rotated.headers.get('cache-control')).toBe('no-store');
    expect(rotated.body.secret).not.toBe(ep.secret);
    expect(rotated.body.previousSecretExpiresAt).toEqual(expect.any(String));
    const [invoice] = await invoiceIds(1);
    await waitFor('the delivery', () => a.requests.length >= 1);
    const req = a.requests[0]!;
    expect((req.headers['webhook-signature'] as string).split(' ')).toHaveLength(2);
    expect(verifyWebhook(req.body, req.headers, ep.secret)).toMatchObject({ ok: true });
    expect(verifyWebhook(req.body, req.headers, rotated.body.secret)).toMatchObject({ ok: true, id: (await createdEventIds([invoice!]))[0] });

    // Overlap 0: the old secret stops signing at once.
    const again = await api.call('POST', `/v1/webhook-endpoints/${ep.id}/rotate-secret`, { body: { overlapSeconds: 0 } });
    await invoiceIds(1);
    await waitFor('the second delivery', () => a.requests.length >= 2);
    const second = a.requests[1]!;
    expect((second.headers['webhook-signature'] as string).split(' ')).toHaveLength(1);
    expect(verifyWebhook(second.body, second.headers, again.body.secret).ok).toBe(true);
    expect(verifyWebhook(second.body, second.headers, rotated.body.secret).ok).toBe(false);
    const audit = await api.t.db.selectFrom('events').select('type').where('aggregate_id', '=', ep.id).orderBy('position').execute();
    expect(audit.map((e) => e.type)).toEqual(['WebhookEndpointCreated', 'WebhookEndpointSecretRotated', 'WebhookEndpointSecretRotated']);
    expect((await api.call('DELETE', `/v1/webhook-endpoints/${ep.id}`)).status).toBe(200);
  });

  it('a receiver that is down for a while gets every event once it is back, each webhook-id answered 2xx exactly once', async () => {
    const port = await freePort();
    const target = new URL(b.url);
    const proxy = outageProxy({ host: target.hostname, port: Number(target.port) }, port);
    const ep = await register(`http://127.0.0.1:${port}/hook`, ['InvoiceCreated']); // down: connection refused
    const invoices = await invoiceIds(5);
    const expected = await createdEventIds(invoices);
    // Every delivery fails twice (refused), on the 1 s schedule.
    await waitFor('two failed attempts each', async () => {
      const rows = await deliveriesOf(ep.id);
      // 'pending': the second attempt has failed and is recorded. A row still 'sending' its
      // second attempt could reach the receiver once it is back, and have only two attempts.
      return rows.length === 5 && rows.every((d) => d.attempts >= 2 && d.status === 'pending');
    });
    expect(b.requests).toHaveLength(0);
    await proxy.up();
    try {
      await waitFor('every delivery succeeded', async () => (await deliveriesOf(ep.id)).every((d) => d.status === 'succeeded'));
      const answered = b.requests.map((r) => r.headers['webhook-id'] as string).sort();
      expect(answered).toEqual(expected);
      const log = await api.call('GET', `/v1/webhook-endpoints/${ep.id}/deliveries?status=succeeded&limit=200`);
      expect(log.body.data).toHaveLength(5);
      for (const d of log.body.data) {
        expect(d.attempts.length).toBeGreaterThanOrEqual(3);
        expect(d.attempts.slice(0, -1).every((x: { statusCode: number | null; error: string }) => x.statusCode === null && x.error.length > 0)).toBe(true);
        expect(d.attempts.at(-1)).toMatchObject({ statusCode: 200 });
      }
    } finally {
      await proxy.down();
      await api.call('DELETE', `/v1/webhook-endpoints/${ep.id}`);
    }
  });

  it('an endpoint that hangs holds at most its share of the delivery slots: the other endpoint and the ledger carry on', async () => {
    // The slow receiver counts requests open at once: a request ends when answered or
    // when accrue gives up on it (timeout: the connection closes).
    let released = false;
    const waiting = new Set<http.ServerResponse>();
    let open = 0;
    let maxOpen = 0;
    const slowServer = http.createServer((req, res) => {
      maxOpen = Math.max(maxOpen, ++open);
      res.on('close', () => open--);
      req.resume();
      if (released) res.end('ok');
      else waiting.add(res);
    });
    await new Promise<void>((r) => slowServer.listen(0, '127.0.0.1', r));
    const release = () => {
      released = true;
      for (const res of waiting) if (!res.destroyed) res.end('ok');
    };
    const slow = await register(`http://127.0.0.1:${(slowServer.address() as AddressInfo).port}/hook`, ['InvoiceCreated']);
    const fast = await register(b.url, ['InvoiceCreated']);
    const invoices = await invoiceIds(12);
    const expected = await createdEventIds(invoices);
    await waitFor('the fast endpoint got all 12', () => b.requests.length >= 12);
    await waitFor('the ledger has all 12', async () =>
      (await api.t.db.selectFrom('ledger_entries').select('invoice_id').distinct().where('invoice_id', 'in', invoices).execute()).length === 12);
    expect(b.requests.map((r) => r.headers['webhook-id']).sort()).toEqual(expected);
    // The slow endpoint never had more than ACCRUE_WEBHOOK_ENDPOINT_CONCURRENCY requests open, and none answered yet.
    expect(maxOpen).toBeLessThanOrEqual(2);
    expect((await deliveriesOf(slow.id)).filter((d) => d.status === 'succeeded')).toEqual([]);
    release();
    await waitFor('the slow endpoint got all 12 too', async () => (await deliveriesOf(slow.id)).filter((d) => d.status === 'succeeded').length === 12, 60_000);
    for (const id of [slow.id, fast.id]) await api.call('DELETE', `/v1/webhook-endpoints/${id}`);
    slowServer.closeAllConnections();
    await new Promise<void>((r) => slowServer.close(() => r()));
  });

  it('lists deliveries in cursor pages with filters, retries one (same webhook-id) and replays a range from the event store', async () => {
    const since = new Date().toISOString();
    const ep = await register(a.url, ['InvoiceCreated', 'CustomerCreated']);
    const invoices = await invoiceIds(3);
    const expected = await createdEventIds(invoices);
    await waitFor('4 deliveries', () => a.requests.length >= 4);
    await waitFor('all recorded', async () => (await deliveriesOf(ep.id)).filter((d) => d.status === 'succeeded').length === 4);

    const page1 = await api.call('GET', `/v1/webhook-endpoints/${ep.id}/deliveries?limit=2&eventType=InvoiceCreated`);
    expect(page1.status).toBe(200);
    expect(page1.body.data).toHaveLength(2);
    const page2 = await api.call('GET', `/v1/webhook-endpoints/${ep.id}/deliveries?limit=2&eventType=InvoiceCreated&cursor=${page1.body.nextCursor}`);
    expect(page2.body.data).toHaveLength(1);
    expect(page2.body.nextCursor).toBeNull();
    expect([...page1.body.data, ...page2.body.data].map((d: { eventId: string }) => d.eventId).sort()).toEqual(expected);
    expect((await api.call('GET', `/v1/webhook-endpoints/${ep.id}/deliveries?status=failed`)).body.data).toEqual([]);
    expect((await api.call('GET', `/v1/webhook-endpoints/${ep.id}/deliveries?until=${since}`)).body.data).toEqual([]);
    expect((await api.call('GET', `/v1/webhook-endpoints/${ep.id}/deliveries?status=nope`)).status).toBe(400);

    // Retry: the same event once more, with the same webhook-id; the log shows a second attempt.
    const one = page2.body.data[0];
    const retried = await api.call('POST', `/v1/webhook-deliveries/${one.id}/retry`);
    expect(retried.status).toBe(202);
    await waitFor('the retry', () => a.requests.length >= 5);
    expect(a.requests[4]!.headers['webhook-id']).toBe(one.eventId);
    await waitFor('two attempts recorded', async () => {
      const d = await api.t.db.selectFrom('webhook_endpoint_deliveries').selectAll().where('id', '=', one.id).executeTakeFirstOrThrow();
      return d.attempts === 2 && d.status === 'succeeded';
    });
    expect((await api.call('POST', '/v1/webhook-deliveries/0190d0c2-0000-7000-8000-000000000000/retry')).status).toBe(404);

    // Replay: the range again (only InvoiceCreated), same ids, the endpoint's filter applied.
    const replay = await api.call('POST', `/v1/webhook-endpoints/${ep.id}/replay`, { body: { since, eventTypes: ['InvoiceCreated'] } });
    expect(replay.status).toBe(202);
    await waitFor('the replayed 3', () => a.requests.length >= 8);
    expect(a.requests.slice(5).map((r) => r.headers['webhook-id']).sort()).toEqual(expected);
    expect(types(a.requests.slice(5))).toEqual(['InvoiceCreated', 'InvoiceCreated', 'InvoiceCreated']);
    const audit = await api.t.db.selectFrom('events').select('type').where('aggregate_id', '=', ep.id).orderBy('position').execute();
    expect(audit.map((e) => e.type)).toEqual(['WebhookEndpointCreated', 'WebhookDeliveryRetried', 'WebhookReplayRequested']);
    expect((await api.call('POST', `/v1/webhook-endpoints/${ep.id}/replay`, { body: { since: '2026-01-02T00:00:00Z', until: '2026-01-01T00:00:00Z' } })).status).toBe(400);
    await api.call('DELETE', `/v1/webhook-endpoints/${ep.id}`);
  });
});
