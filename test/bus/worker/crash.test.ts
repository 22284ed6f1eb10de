import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { waitUntilDrained } from '../../../src/bus/operator/getStatus.ts';
import { startRelay, type RelayHandle } from '../../../src/bus/relay/startRelay.ts';
import { startWorker } from '../../../src/bus/worker/startWorker.ts';
import { appendInvoices, createEffectsTable, effectCounts, recordingSubscriber, testSettings } from '../../helpers/busTestKit.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';

const NODE = path.resolve('node_modules/.bin/node');
const FIXTURE = path.resolve('test/fixtures/busWorkerProcess.ts');
// Expiry 2 s, checked every second: a job held by a killed worker is back within ~3 s.
const settings = testSettings({ queue: { expireInSeconds: 2 }, worker: { batchSize: 50, concurrency: 2 } });

function spawnWorker(url: string): Promise<ChildProcess> {
  const child = spawn(NODE, [FIXTURE, url, JSON.stringify(settings)], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`worker exited early with ${code}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve(child);
    });
  });
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const effectsOf = async (t: TestDatabase) =>
  (await sql<{ n: number }>`SELECT count(*)::int AS n FROM test_effects WHERE subscriber = 'slow'`.execute(t.db)).rows[0]!.n;

describe('crashes and lost connections', () => {
  let t: TestDatabase;
  let relay: RelayHandle;
  beforeAll(async () => {
    t = await createTestDatabase();
    await createEffectsTable(t.db);
    relay = await startRelay({ url: t.url, subscribers: [{ name: 'slow', eventTypes: ['InvoiceCreated'] }], settings, log: silentLogger });
  });
  afterAll(async () => {
    await relay?.stop();
    await t.drop();
  });

  it('a worker killed with SIGKILL mid-batch loses nothing and applies nothing twice', async () => {
    const first = await spawnWorker(t.url);
    const ids = await appendInvoices(t.db, 0, 600);
    await waitFor(async () => (await effectsOf(t)) >= 100);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const applied = await effectsOf(t);
    expect(applied).toBeLessThan(600); // it really died with work left

    const second = await spawnWorker(t.url);
    try {
      await waitUntilDrained(t.db, { timeoutMs: 45_000 });
      const counts = await effectCounts(t.db, 'slow');
      expect(ids.filter((id) => counts.get(id) !== 1)).toEqual([]);
      expect(counts.size).toBe(600);
    } finally {
      second.kill('SIGTERM');
      await new Promise((r) => second.once('exit', r));
    }
  });

  it('SIGTERM finishes the batch in hand and exits 0', async () => {
    const worker = await spawnWorker(t.url);
    const before = await effectsOf(t);
    await appendInvoices(t.db, 1000, 400);
    await waitFor(async () => (await effectsOf(t)) >= before + 60);
    worker.kill('SIGTERM');
    const code = await new Promise((r) => worker.once('exit', (c) => r(c)));
    expect(code).toBe(0);
    // What it held was completed, not abandoned: nothing of this queue is active.
    const active = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'slow' AND state = 'active'`.execute(t.db);
    expect(active.rows[0]!.n).toBe(0);
  });

  it('survives pg_terminate_backend on every app connection without a restart', async () => {
    const subscriber = recordingSubscriber('steady');
    const worker = await startWorker({ url: t.url, subscribers: [subscriber], settings, log: silentLogger });
    // Every relay must route with the same subscription map: replace the one of beforeAll.
    // Its poll is 60 s away, so events after the kill arrive only if its LISTEN reconnected.
    await relay.stop();
    const relaySettings = { ...settings, relay: { ...settings.relay, pollMs: 60_000 } };
    relay = await startRelay({ url: t.url, subscribers: [{ name: 'slow', eventTypes: ['InvoiceCreated'] }, subscriber], settings: relaySettings, log: silentLogger });
    const drainer = await spawnWorker(t.url); // drains 'slow' jobs of the events below
    try {
      const before = await appendInvoices(t.db, 2000, 100);
      await waitUntilDrained(t.db, { timeoutMs: 30_000 });

      const admin = new pg.Client({ connectionString: t.url });
      await admin.connect();
      const killed = await admin.query(
        // Client backends only: an autovacuum worker in this database is not the app's, and
        // terminating it takes a superuser (seen under load: "permission denied to terminate process").
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
      );
      await admin.end();
      expect(killed.rowCount).toBeGreaterThan(3);

      // The test's own pool lost its connections too; the first query may hit a dead one.
      let after: string[] = [];
      await waitFor(async () => {
        try {
          after = await appendInvoices(t.db, 3000, 100);
          return true;
        } catch {
          return false;
        }
      });
      await waitUntilDrained(t.db, { timeoutMs: 45_000 });
      const counts = await effectCounts(t.db, 'steady');
      expect([...before, ...after].filter((id) => counts.get(id) !== 1)).toEqual([]);
    } finally {
      drainer.kill('SIGTERM');
      await worker.stop();
    }
  });
});
