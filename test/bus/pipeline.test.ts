import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { startRelay, type RelayHandle } from '../../src/bus/relay/startRelay.ts';
import { startWorker, type WorkerHandle } from '../../src/bus/worker/startWorker.ts';
import { waitUntilDrained, getStatus } from '../../src/bus/operator/getStatus.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase.ts';
import { appendInvoices, createEffectsTable, effectCounts, eventsInCompletedJobs, recordingSubscriber, testSettings } from '../helpers/busTestKit.ts';

describe('outbox -> relay -> queues -> worker', () => {
  let t: TestDatabase;
  let relay: RelayHandle;
  let worker: WorkerHandle;
  const subscribers = [recordingSubscriber('alpha'), recordingSubscriber('beta')];
  beforeAll(async () => {
    t = await createTestDatabase();
    await createEffectsTable(t.db);
    const settings = testSettings();
    relay = await startRelay({ url: t.url, subscribers, settings, log: silentLogger });
    // The worker reads its settings from config, as `accrue worker` does.
    const config = loadConfig({ ACCRUE_WORKER_POLL_SECONDS: '0.5', ACCRUE_BOSS_SUPERVISE_SECONDS: '1' });
    worker = await startWorker({ url: t.url, subscribers, config, log: silentLogger });
  });
  afterAll(async () => {
    await relay?.stop();
    await worker?.stop();
    await t.drop();
  });

  it('applies every event once per subscriber and reports the pipeline drained', async () => {
    const ids = await appendInvoices(t.db, 0, 300);
    const status = await waitUntilDrained(t.db, { timeoutMs: 30_000 });
    expect(status.outbox.pending).toBe(0);
    for (const q of ['alpha', 'beta']) {
      // Jobs, not events: the relay makes one bundle per relay batch (src/bus/queues/eventBundle.ts).
      const { completed, ...others } = status.queues[q]!;
      expect(others).toEqual({ created: 0, retry: 0, active: 0, failed: 0, cancelled: 0 });
      expect(completed).toBeGreaterThan(0);
      expect(await eventsInCompletedJobs(t, q)).toBe(300);
    }
    expect(status.drained).toBe(true);
    for (const name of ['alpha', 'beta']) {
      const counts = await effectCounts(t.db, name);
      expect(counts.size).toBe(300);
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
      expect(ids.every((id) => counts.has(id))).toBe(true);
    }
    const s = await getStatus(t.db);
    expect(s.archive).toEqual({ total: 0, notReplayed: 0 });
  });
});
