import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCircuitBreaker } from '../../../src/bus/breaker/circuitBreaker.ts';
import type { OutgoingJob, WorkQueueContext } from '../../../src/bus/contract/subscriber.ts';
import { isEndpointFailure } from '../../../src/subscribers/postJson.ts';
import { deliverWebhook, type DeliveryOptions } from '../../../src/subscribers/webhooks/deliverWebhook.ts';
import { createDeliveries } from '../../../src/subscribers/webhooks/fanOutDeliveries.ts';
import { createEndpoint } from '../../../src/subscribers/webhooks/endpoints/manageEndpoints.ts';
import { sendWebhook, RESPONSE_BODY_BYTES } from '../../../src/subscribers/webhooks/sendWebhook.ts';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { appendTestEvents, invoiceCreated } from '../../helpers/appendTestEvent.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';

type Answer = { status: number; body?: string; headers?: Record<string, string> };

/** A receiver whose answer the test sets; counts what reached it. */
async function startReceiver() {
  let answer: Answer = { status: 200 };
  const received: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers }).end(answer.body ?? `status ${answer.status}`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}/hook`,
    received,
    answer: (a: Answer) => void (answer = a),
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

const lines = [{ lineId: 'l1', kind: 'revenue', description: 'Plan', amount: 1000 }];
const ctxEvent = { correlationId: 'test', actor: 'test' };

describe('sending one webhook: the address check at connect time, redirects, the first KiB', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => void (receiver = await startReceiver()));
  afterAll(() => receiver.close());
  beforeEach(() => {
    receiver.received.length = 0;
    receiver.answer({ status: 200 });
  });
  const send = (url: string, options: Partial<Parameters<typeof sendWebhook>[3]> = {}) =>
    sendWebhook(url, '{"id":"x"}', { 'webhook-id': 'x' }, { timeoutMs: 2000, allowPrivate: false, ...options });

  it('refuses a loopback address, and a name that resolves to one now (DNS changed since registration), sending nothing', async () => {
    const literal = await send(receiver.url);
    expect(literal).toMatchObject({ ok: false, statusCode: null, error: expect.stringMatching(/127\.0\.0\.1.*public addresses only/) });
    const rebound = await send(`http://rebind.example:${receiver.port}/hook`, { resolve: async () => [{ address: '127.0.0.1', family: 4 }] });
    expect(rebound).toMatchObject({ ok: false, statusCode: null, error: expect.stringMatching(/rebind\.example resolves to 127\.0\.0\.1/) });
    const metadata = await send('http://169.254.169.254/latest/meta-data/');
    expect(metadata.ok).toBe(false);
    expect(receiver.received).toHaveLength(0);
  });

  it('connects to the address it checked: a name resolved by the hook reaches the receiver when private addresses are allowed', async () => {
    const r = await send(`http://rebind.example:${receiver.port}/hook`, { allowPrivate: true, resolve: async () => [{ address: '127.0.0.1', family: 4 }] });
    expect(r).toMatchObject({ ok: true, statusCode: 200, responseBody: 'status 200', error: null });
    expect(receiver.received).toEqual(['{"id":"x"}']);
  });

  it('does not follow a redirect, and keeps the first KiB of an answer', async () => {
    receiver.answer({ status: 302, headers: { location: 'http://169.254.169.254/' } });
    const redirected = await send(receiver.url, { allowPrivate: true });
    expect(redirected).toMatchObject({ ok: false, statusCode: 302, error: expect.stringMatching(/redirects are not followed/) });
    expect(receiver.received).toHaveLength(1);
    receiver.answer({ status: 500, body: 'x'.repeat(5000) });
    const big = await send(receiver.url, { allowPrivate: true });
    expect(big).toMatchObject({ ok: false, statusCode: 500 });
    expect(big.responseBody).toHaveLength(RESPONSE_BODY_BYTES);
    expect(big.latencyMs).toBeGreaterThanOrEqual(0);
  });
});

describe('one delivery job: attempts, the retry schedule, the breaker, disabling after continuous failure', () => {
  let t: TestDatabase;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let clock: Date;
  let jobs: { queue: string; job: OutgoingJob }[];
  let ctx: WorkQueueContext;
  const t0 = new Date('2026-03-01T10:00:00Z');
  const later = (s: number) => new Date(t0.getTime() + s * 1000);

  beforeAll(async () => {
    t = await createTestDatabase();
    receiver = await startReceiver();
    ctx = {
      db: t.db,
      log: silentLogger,
      now: () => clock,
      enqueue: async (_db, queue, list) => void jobs.push(...list.map((job) => ({ queue, job }))),
    };
  });
  afterAll(async () => {
    await receiver.close();
    await t.drop();
  });
  beforeEach(() => {
    clock = t0;
    jobs = [];
    receiver.received.length = 0;
  });

  const options = (over: Partial<DeliveryOptions> = {}): DeliveryOptions => ({
    timeoutMs: 2000,
    retrySchedule: [5, 300],
    disableAfterMs: 3_600_000,
    allowPrivate: true,
    breaker: (id) => createCircuitBreaker({ db: t.db, name: `webhook-endpoint:${id}`, policy: { failureThreshold: 100, coolDownMs: 30_000, probeLeaseMs: 4000 }, countsAsFailure: isEndpointFailure }),
    ...over,
  });
  async function oneDelivery(invoiceId: string) {
    const { endpoint } = await createEndpoint(t.db, { url: receiver.url, eventTypes: ['InvoiceCreated'], description: '', enabled: true }, ctxEvent, t0);
    const [event] = await appendTestEvents(t.db, [invoiceCreated(invoiceId, '2026-03-01', { customerId: 'c', currency: 'USD', lines })]);
    // Endpoints of earlier tests may take the event too: this test's one is the new endpoint's.
    const deliveries = (await createDeliveries(t.db, [event!])).filter((d) => d.endpoint_id === endpoint.id);
    expect(deliveries).toHaveLength(1);
    return { endpoint, event: event!, deliveryId: deliveries[0]!.id };
  }
  const delivery = (id: string) => t.db.selectFrom('webhook_endpoint_deliveries').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const endpointRow = (id: string) => t.db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('retries on the schedule, ignores a stale job, fails when the schedule is used up, and disables the endpoint after failing for the configured period', async () => {
    const { endpoint, deliveryId } = await oneDelivery('inv_sched');
    receiver.answer({ status: 500, body: 'boom' });

    await deliverWebhook({ data: { deliveryId, attempt: 1 } }, ctx, options());
    expect(await delivery(deliveryId)).toMatchObject({ status: 'pending', attempts: 1, last_status_code: 500, next_attempt_at: later(5) });
    expect(jobs).toEqual([{ queue: 'webhook-deliveries', job: { data: { deliveryId, attempt: 2 }, group: endpoint.id, startAfterSeconds: 5 } }]);
    expect((await endpointRow(endpoint.id)).failing_since).toEqual(t0);

    // The same job again (a redelivery): the attempt was made, nothing is sent.
    await deliverWebhook({ data: { deliveryId, attempt: 1 } }, ctx, options());
    expect(receiver.received).toHaveLength(1);

    clock = later(5);
    await deliverWebhook({ data: { deliveryId, attempt: 2 } }, ctx, options());
    expect(jobs.at(-1)!.job).toMatchObject({ data: { deliveryId, attempt: 3 }, startAfterSeconds: 300 });

    // An hour of nothing but failures: this last attempt fails the delivery and disables the endpoint.
    clock = later(3600);
    await deliverWebhook({ data: { deliveryId, attempt: 3 } }, ctx, options());
    expect(jobs).toHaveLength(2);
    expect(await delivery(deliveryId)).toMatchObject({ status: 'failed', attempts: 3, next_attempt_at: null });
    const attempts = await t.db.selectFrom('webhook_delivery_attempts').selectAll().where('delivery_id', '=', deliveryId).orderBy('attempt').execute();
    expect(attempts.map((a) => [a.attempt, a.status_code, a.response_body])).toEqual([[1, 500, 'boom'], [2, 500, 'boom'], [3, 500, 'boom']]);
    expect(await endpointRow(endpoint.id)).toMatchObject({ enabled: false, disabled_reason: expect.stringMatching(/every delivery failed since 2026-03-01T10:00:00.000Z/) });
    const disabled = await t.db.selectFrom('events').select(['type', 'data', 'actor']).where('aggregate_id', '=', endpoint.id).where('type', '=', 'WebhookEndpointDisabled').execute();
    expect(disabled).toEqual([{ type: 'WebhookEndpointDisabled', actor: 'system:webhooks', data: expect.objectContaining({ endpointId: endpoint.id, failingSince: t0.toISOString() }) }]);

    // A delivery to a disabled endpoint is not sent.
    const [next] = await appendTestEvents(t.db, [invoiceCreated('inv_sched_2', '2026-03-01', { customerId: 'c', currency: 'USD', lines })]);
    expect(await createDeliveries(t.db, [next!])).toEqual([]);
  });

  it('a success ends the failure streak; an open breaker puts the delivery back without counting an attempt', async () => {
    const { endpoint, deliveryId } = await oneDelivery('inv_breaker');
    receiver.answer({ status: 503 });
    const tripping = options({
      breaker: (id) => createCircuitBreaker({ db: t.db, name: `webhook-endpoint:${id}`, policy: { failureThreshold: 1, coolDownMs: 30_000, probeLeaseMs: 4000 }, countsAsFailure: isEndpointFailure }),
    });
    await deliverWebhook({ data: { deliveryId, attempt: 1 } }, ctx, tripping);
    clock = later(5);
    await deliverWebhook({ data: { deliveryId, attempt: 2 } }, ctx, tripping); // open: not sent
    expect(receiver.received).toHaveLength(1);
    expect(await delivery(deliveryId)).toMatchObject({ status: 'pending', attempts: 1 });
    expect(jobs.at(-1)!.job).toMatchObject({ data: { deliveryId, attempt: 2 }, startAfterSeconds: 25 });

    receiver.answer({ status: 204 });
    clock = later(30);
    await deliverWebhook({ data: { deliveryId, attempt: 2 } }, ctx, tripping); // the probe
    expect(await delivery(deliveryId)).toMatchObject({ status: 'succeeded', attempts: 2, last_status_code: 204 });
    expect((await endpointRow(endpoint.id)).failing_since).toBeNull();
  });

  it('an attempt cut off mid-flight (worker died after its claim) is sent again once its lease has lapsed, not before', async () => {
    const { deliveryId } = await oneDelivery('inv_lease');
    receiver.answer({ status: 200 });
    // What a claim leaves behind when its worker dies before recording the attempt.
    await t.db.updateTable('webhook_endpoint_deliveries').set({ status: 'sending', attempts: 1, lease_until: later(10) }).where('id', '=', deliveryId).execute();
    await deliverWebhook({ data: { deliveryId, attempt: 1 } }, ctx, options()); // pg-boss retrying the job at once
    expect(receiver.received).toHaveLength(0);
    expect(jobs.at(-1)!.job).toMatchObject({ data: { deliveryId, attempt: 1 }, startAfterSeconds: 11 });
    clock = later(11);
    await deliverWebhook({ data: { deliveryId, attempt: 1 } }, ctx, options());
    expect(receiver.received).toHaveLength(1);
    expect(await delivery(deliveryId)).toMatchObject({ status: 'succeeded', attempts: 1, lease_until: null });
  });
});
