import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntilDrained } from '../../src/bus/operator/getStatus.ts';
import { appendInvoices, createEffectsTable, effectCounts, testSettings } from '../helpers/busTestKit.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase.ts';

const NODE = path.resolve('node_modules/.bin/node');
// Expiry 2 s, checked every second: jobs a killed worker held are back within ~3 s.
const settings = testSettings({ queue: { expireInSeconds: 2 }, worker: { batchSize: 50, concurrency: 2 }, relay: { batchSize: 100, pollMs: 200, loops: 2 } });
const SUBSCRIBERS = [{ name: 'slow', eventTypes: ['InvoiceCreated'] }];

function spawnReady(fixture: string, args: string[]): Promise<ChildProcess> {
  const child = spawn(NODE, [path.resolve('test/fixtures', fixture), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${fixture} exited early with ${code}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve(child);
    });
  });
}

const exited = (child: ChildProcess) => (child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', r)));

/**
 * Issue 15's chaos test with several of each process: 2 relays (2 loops each) and 3
 * worker processes (2 loops each) share one database while events keep arriving in
 * 20 transactions; one relay and one worker are killed with SIGKILL mid-run. Every
 * event is applied exactly once. Costs: one test database, 5 child processes, 2,000
 * events at 5 ms each in the subscriber (test/fixtures/busWorkerProcess.ts).
 */
describe('two relays and three workers under SIGKILL', () => {
  let t: TestDatabase;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    t = await createTestDatabase();
    await createEffectsTable(t.db);
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await Promise.all(children.map(exited));
    await t?.drop();
  });

  it('loses nothing and applies nothing twice', async () => {
    const workerArgs = [t.url, JSON.stringify(settings)];
    const relayArgs = [t.url, JSON.stringify(settings), JSON.stringify(SUBSCRIBERS)];
    const workers = await Promise.all([0, 1, 2].map(() => spawnReady('busWorkerProcess.ts', workerArgs)));
    const relays = await Promise.all([0, 1].map(() => spawnReady('busRelayProcess.ts', relayArgs)));
    children.push(...workers, ...relays);

    const ids: string[] = [];
    let appliedAtKill = -1;
    for (let burst = 0; burst < 20; burst++) {
      ids.push(...(await appendInvoices(t.db, burst * 100, 100)));
      if (burst === 8) {
        // Mid-run, right after a burst (work in hand): one worker and one relay die without a goodbye.
        appliedAtKill = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM test_effects`.execute(t.db)).rows[0]!.n;
        workers[0]!.kill('SIGKILL');
        relays[0]!.kill('SIGKILL');
        await Promise.all([exited(workers[0]!), exited(relays[0]!)]);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(appliedAtKill).toBeLessThan(900); // the kills landed with work left

    await waitUntilDrained(t.db, { timeoutMs: 90_000 });
    const counts = await effectCounts(t.db, 'slow');
    expect(ids.filter((id) => counts.get(id) !== 1)).toEqual([]);
    expect(counts.size).toBe(2000);
  });
});
