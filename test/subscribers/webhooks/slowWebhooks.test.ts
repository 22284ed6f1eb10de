import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCircuitBreaker } from '../../../src/bus/breaker/circuitBreaker.ts';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { waitUntilDrained } from '../../../src/bus/operator/getStatus.ts';
import { externalBatchSize } from '../../../src/bus/queues/externalBatchSize.ts';
import { loadConfig } from '../../../src/config.ts';
import { startRelay, type RelayHandle } from '../../../src/bus/relay/startRelay.ts';
import { createWebhooksSubscriber } from '../../helpers/externalWebhookSubscriber.ts';
import { startWorker, type WorkerHandle } from '../../../src/bus/worker/startWorker.ts';
import { appendInvoices, testSettings } from '../../helpers/busTestKit.ts';
import { startHttpEndpoint } from '../../helpers/httpEndpoint.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';

// Scaled down from the defaults (5 s timeout, 60 s expiry, 100 jobs a batch): the
// endpoint takes 300 ms, the timeout is 1 s and a job expires after 3 s, so 16 events
// in one batch of 100 would hold their jobs for 4.8 s.
const settings = testSettings({ queue: { expireInSeconds: 3, retryDelay: 1 }, worker: { batchSize: 100, concurrency: 2, outboundTimeoutMs: 1000 } });

describe('an external subscriber behind a slow endpoint', () => {
  let t: TestDatabase;
  let endpoint: Awaited<ReturnType<typeof startHttpEndpoint>>;
  let worker: WorkerHandle;
  let relay: RelayHandle;

  beforeAll(async () => {
    t = await createTestDatabase();
    endpoint = await startHttpEndpoint(() => new Promise((resolve) => setTimeout(() => resolve(200), 300)));
    const breaker = createCircuitBreaker({ db: t.db, name: 'webhooks', policy: { failureThreshold: 5, coolDownMs: 30_000, probeLeaseMs: 2_000 } });
    const webhooks = createWebhooksSubscriber({ url: endpoint.url, secret: 'whsec_0123456789abcdef', eventTypes: ['InvoiceCreated'], timeoutMs: 1000, breaker });
    worker = await startWorker({ url: t.url, subscribers: [webhooks], settings, log: silentLogger });
    relay = await startRelay({ url: t.url, subscribers: [webhooks], settings, log: silentLogger });
  });
  afterAll(async () => {
    await relay?.stop();
    await worker?.stop();
    await endpoint?.close();
    await t?.drop();
  });

  it('takes batches that fit in the expiry: every job is held once, none expires, each event is POSTed once', async () => {
    const ids = await appendInvoices(t.db, 0, 16);
    await waitUntilDrained(t.db, { timeoutMs: 30_000 });
    // Let the supervisor (every 1 s) look at the held jobs once more after the drain.
    await new Promise((r) => setTimeout(r, 1500));

    const posted = endpoint.requests.map((r) => r.headers['idempotency-key']);
    expect(posted.toSorted()).toEqual(ids.toSorted());
    const jobs = await sql<{ state: string; retry_count: number }>`
      SELECT state, retry_count FROM pgboss.job WHERE name = 'webhooks'`.execute(t.db);
    expect(jobs.rows).toHaveLength(16);
    // An expired job goes back to retry with retry_count + 1 while its first holder still runs it.
    expect(jobs.rows.filter((j) => j.state !== 'completed' || j.retry_count !== 0)).toEqual([]);
    expect(await t.db.selectFrom('failed_attempts').selectAll().execute()).toEqual([]);
    expect(await t.db.selectFrom('failed_job_archive').selectAll().execute()).toEqual([]);
  });

  it('sizes the batch from the timeout and the expiry, and refuses a timeout that does not fit', () => {
    expect(externalBatchSize(settings)).toBe(2); // floor(0.8 x 3000 / 1000)
    const defaults = loadConfig({});
    expect(externalBatchSize({
      queue: { ...settings.queue, expireInSeconds: defaults.ACCRUE_QUEUE_EXPIRE_SECONDS },
      worker: { ...settings.worker, batchSize: defaults.ACCRUE_WORKER_BATCH_SIZE, outboundTimeoutMs: defaults.ACCRUE_OUTBOUND_TIMEOUT_MS },
    })).toBe(9);
    expect(() => externalBatchSize({ queue: settings.queue, worker: { ...settings.worker, outboundTimeoutMs: 2500 } })).toThrow(/ACCRUE_OUTBOUND_TIMEOUT_MS/);
    expect(() => loadConfig({ ACCRUE_OUTBOUND_TIMEOUT_MS: '60000' })).toThrow(/ACCRUE_OUTBOUND_TIMEOUT_MS/);
  });
});
