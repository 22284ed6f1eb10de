import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { waitUntilDrained } from '../../../src/bus/operator/getStatus.ts';
import { getThroughput } from '../../../src/bus/operator/getThroughput.ts';
import { startRelay, type RelayHandle } from '../../../src/bus/relay/startRelay.ts';
import { startWorker, type WorkerHandle } from '../../../src/bus/worker/startWorker.ts';
import { registerSubscriptions, type SubscriptionRow } from '../../../src/bus/contract/subscriptions.ts';
import { bundledQueues } from '../../../src/bus/relay/routes.ts';
import { appendInvoices, createEffectsTable, effectCounts, eventsInCompletedJobs, recordingSubscriber, testSettings } from '../../helpers/busTestKit.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';

/**
 * One pg-boss job per relay batch per subscriber (issue 10): a subscriber that takes
 * bundles gets one job for a whole relay batch, and an event that fails inside a
 * bundle ends exactly as it would have alone: its own job, its own attempts in
 * failed_attempts (the bundle's try is not counted), its own row in the archive, and
 * its neighbours applied once. An external subscriber keeps one job per event.
 * Costs: one test database, a relay, a worker, 40 events, 3 attempts of one event.
 */
describe('bundle jobs', () => {
  let t: TestDatabase;
  let relay: RelayHandle;
  let worker: WorkerHandle;
  let bad = '';
  const bundled = recordingSubscriber('bundled', { fail: (id) => id === bad });
  const outside = recordingSubscriber('outside', { external: true });

  beforeAll(async () => {
    t = await createTestDatabase();
    await createEffectsTable(t.db);
    const settings = testSettings({ queue: { retryLimit: 2, retryDelay: 1, retryBackoff: false } });
    worker = await startWorker({ url: t.url, subscribers: [bundled, outside], settings, log: silentLogger });
    relay = await startRelay({ url: t.url, subscribers: [bundled, outside], settings, log: silentLogger });
  });
  afterAll(async () => {
    await relay?.stop();
    await worker?.stop();
    await t?.drop();
  });

  it('records which subscribers take bundles', async () => {
    const { rows } = await sql<{ subscriber: string; takes: boolean }>`
      SELECT subscriber, bool_and(takes_bundles) AS takes FROM subscriptions GROUP BY 1 ORDER BY 1`.execute(t.db);
    expect(rows).toEqual([{ subscriber: 'bundled', takes: true }, { subscriber: 'outside', takes: false }]);
  });

  it('a type added later by a process that does not speak for the worker (a webhook endpoint registered over the API) keeps its subscriber on bundles', async () => {
    // As subscribeEndpointTypes adds an endpoint's types: no bundles answer of its own.
    await registerSubscriptions(t.db, [{ name: 'bundled', eventTypes: ['PeriodClosed'] }, { name: 'outside', eventTypes: ['PeriodClosed'] }, { name: 'nobody', eventTypes: ['PeriodClosed'] }]);
    const { rows } = await sql<{ subscriber: string; takes: boolean }>`
      SELECT subscriber, takes_bundles AS takes FROM subscriptions WHERE event_type = 'PeriodClosed' ORDER BY 1`.execute(t.db);
    expect(rows).toEqual([{ subscriber: 'bundled', takes: true }, { subscriber: 'nobody', takes: false }, { subscriber: 'outside', takes: false }]);
    const all = await sql<SubscriptionRow>`SELECT subscriber, event_type, takes_bundles FROM subscriptions`.execute(t.db);
    expect([...bundledQueues(all.rows)]).toEqual(['bundled']);
    await sql`DELETE FROM subscriptions WHERE event_type = 'PeriodClosed' OR subscriber = 'nobody'`.execute(t.db);
  });

  it('applies a relay batch as one job, and a failing event in it on its own', async () => {
    const ids = await t.db.transaction().execute(async (tx) => {
      const appended = await appendInvoices(tx, 0, 40);
      bad = appended[5]!;
      return appended;
    });
    await waitUntilDrained(t.db, { timeoutMs: 60_000 });

    const applied = await effectCounts(t.db, 'bundled');
    // The bad event's effect rolled back every time; each other event applied once
    // (the bundle's failed try rolled back too).
    expect([...applied.keys()].sort()).toEqual(ids.filter((id) => id !== bad).sort());
    expect(await committedEffects(t, 'bundled')).toEqual(39);

    const jobs = await sql<{ bundles: number; split: number; singles: number }>`
      SELECT count(*) FILTER (WHERE data ? 'positions')::int AS bundles,
             count(*) FILTER (WHERE output->>'split' = 'true')::int AS split,
             count(*) FILTER (WHERE NOT data ? 'positions')::int AS singles
      FROM pgboss.job WHERE name = 'bundled'`.execute(t.db);
    // Forty events in one relay batch: one bundle, split after its failure into forty one-event jobs.
    expect(jobs.rows[0]).toEqual({ bundles: 1, split: 1, singles: 40 });

    const archived = await sql<{ event_id: string; attempts: number; poison: boolean }>`
      SELECT event_id, attempts, poison FROM failed_job_archive WHERE subscriber = 'bundled'`.execute(t.db);
    expect(archived.rows).toEqual([{ event_id: bad, attempts: 3, poison: false }]);
    const attempts = await sql<{ attempt: number }>`
      SELECT attempt FROM failed_attempts WHERE subscriber = 'bundled' ORDER BY attempt`.execute(t.db);
    expect(attempts.rows.map((r) => r.attempt)).toEqual([1, 2, 3]);
  });

  it('retries, then archives, a bundle whose events are not in the event store (nothing to split)', async () => {
    await worker.boss.send('bundled', { positions: [987654321] });
    await waitUntilDrained(t.db, { timeoutMs: 60_000 });
    const archived = await sql<{ event_id: string | null; attempts: number; payload: unknown; error_message: string }>`
      SELECT event_id, attempts, payload, error_message FROM failed_job_archive WHERE subscriber = 'bundled' AND event_id IS NULL`.execute(t.db);
    expect(archived.rows).toHaveLength(1);
    expect(archived.rows[0]).toMatchObject({ event_id: null, attempts: 3, payload: { positions: [987654321] } });
    expect(archived.rows[0]!.error_message).toMatch(/no event at position 987654321/);
  });

  it('counts events, not jobs, in the throughput the console draws', async () => {
    const { minutes } = await getThroughput(t.db, { now: new Date(), minutes: 10 });
    const sum = (k: 'relayed' | 'completed') => minutes.reduce((n, m) => n + m[k], 0);
    // 40 events to each subscriber: 'bundled' through the split bundle's one-event jobs, 'outside' one job each.
    expect(sum('relayed')).toBe(80);
    // All but the event that always fails (the unreadable bundle was sent by hand, and
    // failed), plus the archive queue's two dead-letter copies (the failing event's, the bundle's).
    expect(sum('completed')).toBe(79 + 2);
  });

  it('gives an external subscriber one job per event', async () => {
    const jobs = await sql<{ bundles: number; singles: number }>`
      SELECT count(*) FILTER (WHERE data ? 'positions')::int AS bundles, count(*) FILTER (WHERE NOT data ? 'positions')::int AS singles
      FROM pgboss.job WHERE name = 'outside'`.execute(t.db);
    expect(jobs.rows[0]).toEqual({ bundles: 0, singles: 40 });
    expect(await eventsInCompletedJobs(t, 'outside')).toBe(40);
    expect([...(await effectCounts(t.db, 'outside')).values()].every((n) => n === 1)).toBe(true);
  });
});

async function committedEffects(t: TestDatabase, subscriber: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM test_effects WHERE subscriber = ${subscriber}`.execute(t.db);
  return rows[0]!.n;
}
