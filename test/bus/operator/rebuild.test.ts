import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgBoss } from 'pg-boss';
import { ConflictError } from '../../../src/errors.ts';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { waitUntilDrained } from '../../../src/bus/operator/getStatus.ts';
import { rebuildSubscriber } from '../../../src/bus/operator/rebuildSubscriber.ts';
import { startBoss } from '../../../src/bus/queues/startBoss.ts';
import { startRelay, type RelayHandle } from '../../../src/bus/relay/startRelay.ts';
import { startWorker, type WorkerHandle } from '../../../src/bus/worker/startWorker.ts';
import { appendInvoices, createEffectsTable, effectCounts, recordingSubscriber, testSettings } from '../../helpers/busTestKit.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';

describe('rebuild', () => {
  let t: TestDatabase;
  let relay: RelayHandle;
  let worker: WorkerHandle;
  let boss: PgBoss;
  const settings = testSettings();
  const books = recordingSubscriber('books');

  beforeAll(async () => {
    t = await createTestDatabase();
    await createEffectsTable(t.db);
    relay = await startRelay({ url: t.url, subscribers: [books], settings, log: silentLogger });
    worker = await startWorker({ url: t.url, subscribers: [books], settings, log: silentLogger });
    boss = await startBoss(t.url, { role: 'client', settings, log: silentLogger });
  });
  afterAll(async () => {
    await relay?.stop();
    await worker?.stop();
    await boss?.stop({ graceful: false });
    await t.drop();
  });

  it('re-feeds a subscriber every stored event from scratch while events keep arriving', async () => {
    const before = await appendInvoices(t.db, 0, 200);
    await waitUntilDrained(t.db, { timeoutMs: 20_000 });
    const rebuildStarted = new Date();
    const progress: number[] = [];
    const writing = appendInvoices(t.db, 1000, 100); // arrives while the rebuild runs
    const result = await rebuildSubscriber(t.db, boss, books, { batchSize: 64, onProgress: (done) => progress.push(done) });
    const during = await writing;
    expect(result.events).toBeGreaterThanOrEqual(200);
    expect(progress.at(-1)).toBe(result.events);
    await waitUntilDrained(t.db, { timeoutMs: 20_000 });
    const counts = await effectCounts(t.db, 'books');
    expect([...before, ...during].filter((id) => counts.get(id) !== 1)).toEqual([]);
    expect(counts.size).toBe(300);
    // Really re-applied: every effect of the first 200 was written again after the reset.
    const stale = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM test_effects WHERE applied_at < ${rebuildStarted}`.execute(t.db);
    expect(stale.rows[0]!.n).toBe(0);
  });

  it('refuses a subscriber without reset()', async () => {
    const { reset: _reset, ...noReset } = recordingSubscriber('books');
    await expect(rebuildSubscriber(t.db, boss, noReset)).rejects.toBeInstanceOf(ConflictError);
  });
});
