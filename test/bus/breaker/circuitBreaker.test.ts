import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCircuitBreaker } from '../../../src/bus/breaker/circuitBreaker.ts';
import { BreakerOpenError } from '../../../src/bus/breaker/breakerOpenError.ts';
import { getBreakerStates } from '../../../src/bus/breaker/getBreakerStates.ts';
import { createWebhooksSubscriber } from '../../helpers/externalWebhookSubscriber.ts';
import { DeliveryFailedError, isEndpointFailure, postJson } from '../../../src/subscribers/postJson.ts';
import { connect, type DbHandle } from '../../../src/db/connect.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';
import { startHttpEndpoint } from '../../helpers/httpEndpoint.ts';
import { dispatch } from '../../helpers/dispatch.ts';
import { appendTestEvents, invoiceCreated } from '../../helpers/appendTestEvent.ts';

const policy = { failureThreshold: 3, coolDownMs: 30_000, probeLeaseMs: 10_000 };
const t0 = new Date('2026-03-01T10:00:00Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);
const lines = [{ lineId: 'l1', kind: 'revenue', description: 'Plan', amount: 500 }];

describe('circuit breaker (state shared in Postgres)', () => {
  let t: TestDatabase;
  let breakerPool: DbHandle;
  let endpoint: Awaited<ReturnType<typeof startHttpEndpoint>>;
  beforeAll(async () => {
    t = await createTestDatabase();
    // The breaker writes on its own pool, as in production: its state must commit
    // although the job's transaction rolls back.
    breakerPool = connect(t.url, { max: 2 });
    endpoint = await startHttpEndpoint(() => 500);
  });
  afterAll(async () => {
    await endpoint.close();
    await breakerPool.close();
    await t.drop();
  });

  it('opens after N failures, defers jobs without calling the endpoint, half-opens for one probe, closes on success', async () => {
    const breaker = createCircuitBreaker({ db: breakerPool.db, name: 'webhooks', policy, countsAsFailure: isEndpointFailure });
    const webhooks = createWebhooksSubscriber({ url: endpoint.url, secret: 'whsec_0123456789abcdef', eventTypes: ['InvoiceCreated'], timeoutMs: 2_000, breaker });
    const events = await appendTestEvents(
      t.db,
      [1, 2, 3, 4, 5].map((i) => invoiceCreated(`inv_b${i}`, '2026-03-01', { customerId: 'c', currency: 'EUR', lines })),
    );

    // Three consecutive 500s: the third opens the breaker (the job's own
    // transaction rolled back each time; the count lives on).
    for (const [i, e] of events.slice(0, 3).entries()) {
      await expect(dispatch(t.db, webhooks, e, at(i))).rejects.toBeInstanceOf(DeliveryFailedError);
    }
    expect(endpoint.requests).toHaveLength(3);
    let states = await getBreakerStates(t.db);
    expect(states.webhooks).toMatchObject({ state: 'open', failures: 3, openedAt: at(2).toISOString(), nextAttemptAt: at(32).toISOString() });
    expect(states.webhooks!.lastError).toMatch(/answered 500/);

    // Open: the job is deferred, the endpoint is not called, and the error says until when.
    const deferred = await dispatch(t.db, webhooks, events[3]!, at(12)).catch((e: unknown) => e);
    expect(deferred).toBeInstanceOf(BreakerOpenError);
    expect(deferred).toMatchObject({ breaker: 'webhooks', retryAfterMs: 20_000, nextAttemptAt: at(32) });
    expect(endpoint.requests).toHaveLength(3);
    expect(await t.db.selectFrom('webhook_deliveries').selectAll().execute()).toHaveLength(0);

    // Cool-down over: one probe; the endpoint still fails, so it opens again.
    await expect(dispatch(t.db, webhooks, events[3]!, at(32))).rejects.toBeInstanceOf(DeliveryFailedError);
    expect(endpoint.requests).toHaveLength(4);
    states = await getBreakerStates(t.db);
    expect(states.webhooks).toMatchObject({ state: 'open', failures: 4, nextAttemptAt: at(62).toISOString() });
    await expect(dispatch(t.db, webhooks, events[3]!, at(40))).rejects.toBeInstanceOf(BreakerOpenError);

    // The endpoint recovers: the next probe succeeds and closes the breaker.
    endpoint.setResponder(() => 200);
    await dispatch(t.db, webhooks, events[3]!, at(62));
    states = await getBreakerStates(t.db);
    expect(states.webhooks).toMatchObject({ state: 'closed', failures: 0, openedAt: null, nextAttemptAt: null });
    await dispatch(t.db, webhooks, events[4]!, at(63));
    expect(endpoint.requests).toHaveLength(6);
    expect(await t.db.selectFrom('webhook_deliveries').select('event_id').execute()).toHaveLength(2);
  });

  it('is shared by worker processes: one opens it for all, and only one of them probes', async () => {
    // Two breakers with the same name on separate pools stand for two worker processes.
    const otherPool = connect(t.url, { max: 2 });
    try {
      const a = createCircuitBreaker({ db: breakerPool.db, name: 'shared', policy });
      const b = createCircuitBreaker({ db: otherPool.db, name: 'shared', policy });
      const fail = () => postJson(endpoint.url, '{}', {}, 2_000);
      endpoint.setResponder(() => 502);
      await expect(a.run(at(0), fail)).rejects.toThrow(DeliveryFailedError);
      await expect(b.run(at(1), fail)).rejects.toThrow(DeliveryFailedError);
      await expect(a.run(at(2), fail)).rejects.toThrow(DeliveryFailedError);
      // Process b never saw three failures of its own, yet it is open for it too.
      await expect(b.run(at(3), fail)).rejects.toBeInstanceOf(BreakerOpenError);

      // After the cool-down both try at once: one wins the probe, the other defers
      // until the probe's lease ends.
      let release!: (status: number) => void;
      endpoint.setResponder(() => new Promise<number>((resolve) => (release = resolve)));
      const sent = endpoint.requests.length;
      const probe = a.run(at(40), () => postJson(endpoint.url, '{}', {}, 5_000));
      await waitFor(() => endpoint.requests.length === sent + 1);
      const other = await b.run(at(41), () => postJson(endpoint.url, '{}', {}, 5_000)).catch((e: unknown) => e);
      expect(other).toBeInstanceOf(BreakerOpenError);
      expect((other as BreakerOpenError).nextAttemptAt).toEqual(at(50));
      expect((await getBreakerStates(t.db)).shared!.state).toBe('half_open');
      release(200);
      await expect(probe).resolves.toBe(200);
      expect((await getBreakerStates(t.db)).shared!.state).toBe('closed');
      expect(endpoint.requests.length).toBe(sent + 1);
    } finally {
      await otherPool.close();
    }
  });

  it('a 4xx for one payload is retried but does not open the breaker', async () => {
    const breaker = createCircuitBreaker({ db: breakerPool.db, name: 'picky', policy, countsAsFailure: isEndpointFailure });
    endpoint.setResponder(() => 422);
    for (let i = 0; i < 5; i++) {
      await expect(breaker.run(at(i), () => postJson(endpoint.url, '{}', {}, 2_000))).rejects.toMatchObject({ status: 422 });
    }
    expect((await getBreakerStates(t.db)).picky).toMatchObject({ state: 'closed', failures: 0 });
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!condition()) throw new Error('condition not met within 5 s');
}
