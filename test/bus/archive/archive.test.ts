import { sql } from 'kysely';
import type { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listArchive } from '../../../src/bus/archive/listArchive.ts';
import { replayArchive } from '../../../src/bus/archive/replayArchive.ts';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { getStatus, waitUntilDrained } from '../../../src/bus/operator/getStatus.ts';
import { startBoss } from '../../../src/bus/queues/startBoss.ts';
import { startRelay, type RelayHandle } from '../../../src/bus/relay/startRelay.ts';
import { startWorker, type WorkerHandle } from '../../../src/bus/worker/startWorker.ts';
import { appendInvoices, createEffectsTable, effectCounts, recordingSubscriber, testSettings } from '../../helpers/busTestKit.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';

// retry limit 3, first delay 1 s, exponential backoff capped at 4 s (pg-boss: seconds).
const settings = testSettings({ queue: { retryLimit: 3, retryDelay: 1, retryBackoff: true, retryDelayMax: 4 } });

describe('retries, failed-job archive and replay', () => {
  let t: TestDatabase;
  let relay: RelayHandle;
  let worker: WorkerHandle;
  let boss: PgBoss;
  const broken = new Set<string>(); // event ids the 'flaky' subscriber refuses while set
  let refuseAll = true;
  const flaky = recordingSubscriber('flaky', { fail: (id) => refuseAll || broken.has(id) });
  const steady = recordingSubscriber('steady');

  beforeAll(async () => {
    t = await createTestDatabase();
    await createEffectsTable(t.db);
    relay = await startRelay({ url: t.url, subscribers: [flaky, steady], settings, log: silentLogger });
    worker = await startWorker({ url: t.url, subscribers: [flaky, steady], settings, log: silentLogger });
    boss = await startBoss(t.url, { role: 'client', settings, log: silentLogger });
  });
  afterAll(async () => {
    await relay?.stop();
    await worker?.stop();
    await boss?.stop({ graceful: false });
    await t.drop();
  });

  it('an always-throwing handler makes 4 attempts with growing gaps, then lands in the archive; a poison payload after 1', async () => {
    const [eventId] = await appendInvoices(t.db, 0, 1);
    await boss.send('steady', { not: 'an event' });
    await boss.send('steady', null);
    await waitUntilDrained(t.db, { timeoutMs: 40_000 });

    const attempts = await t.db
      .selectFrom('failed_attempts')
      .selectAll()
      .where('event_id', '=', eventId!)
      .where('subscriber', '=', 'flaky')
      .orderBy('attempt')
      .execute();
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3, 4]);
    const gaps = attempts.slice(1).map((a, i) => new Date(a.started_at).getTime() - new Date(attempts[i]!.failed_at).getTime());
    // Backoff draws retry n from [2^(n-1), 2^n] s, capped at 4 s: each gap at least its floor,
    // and the last (>= 4 s) longer than the first (<= 2 s + one poll).
    gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(1000 * 2 ** i - 50));
    expect(gaps[2]!).toBeGreaterThan(gaps[0]!);

    const archived = await listArchive(t.db, { subscriber: 'flaky' });
    expect(archived.items).toHaveLength(1);
    expect(archived.items[0]).toMatchObject({ eventId, eventType: 'InvoiceCreated', queue: 'flaky', attempts: 4, poison: false, replayCount: 0 });
    expect(archived.items[0]!.errorMessage).toContain(`refusing ${eventId}`);
    expect(archived.items[0]!.errorStack).toContain('Error');

    const poison = await listArchive(t.db, { subscriber: 'steady' });
    expect(poison.items).toHaveLength(2);
    for (const item of poison.items) {
      expect(item).toMatchObject({ poison: true, attempts: 1, eventId: null });
      expect(item.errorMessage).toMatch(/invalid event envelope/);
    }
    expect(poison.items.map((i) => i.payload)).toEqual(expect.arrayContaining([{ not: 'an event' }, null]));
    const poisonAttempts = await t.db.selectFrom('failed_attempts').selectAll().where('subscriber', '=', 'steady').execute();
    expect(poisonAttempts).toHaveLength(2);

    const status = await getStatus(t.db);
    expect(status.archive).toEqual({ total: 3, notReplayed: 3 });
    expect(status.queues.flaky!.failed).toBe(1);
    // The steady subscriber applied the event once; the flaky one never committed an effect.
    expect((await effectCounts(t.db, 'steady')).get(eventId!)).toBe(1);
    expect((await effectCounts(t.db, 'flaky')).get(eventId!)).toBeUndefined();
  });

  it('replaying after a fix applies once; replaying again adds nothing', async () => {
    refuseAll = false;
    const dry = await replayArchive(t.db, boss, { subscriber: 'flaky' }, { now: new Date(), dryRun: true });
    expect(dry).toEqual({ matched: 1, replayed: 0, dryRun: true });
    const first = await replayArchive(t.db, boss, { subscriber: 'flaky' }, { now: new Date() });
    expect(first.replayed).toBe(1);
    await waitUntilDrained(t.db, { timeoutMs: 20_000 });
    const [entry] = (await listArchive(t.db, { subscriber: 'flaky' })).items;
    expect((await effectCounts(t.db, 'flaky')).get(entry!.eventId!)).toBe(1);
    expect(entry!.replayCount).toBe(1);

    expect((await replayArchive(t.db, boss, { subscriber: 'flaky' }, { now: new Date() })).replayed).toBe(0);
    // Even sent again on purpose, the inbox keeps the effect single.
    expect((await replayArchive(t.db, boss, { subscriber: 'flaky', includeReplayed: true }, { now: new Date() })).replayed).toBe(1);
    await waitUntilDrained(t.db, { timeoutMs: 20_000 });
    expect((await effectCounts(t.db, 'flaky')).get(entry!.eventId!)).toBe(1);
    expect((await getStatus(t.db)).archive.notReplayed).toBe(2); // only the poison ones
  });

  it('two replays at once send each archived job once and apply each effect once', async () => {
    const ids = await appendInvoices(t.db, 100, 30);
    ids.forEach((id) => broken.add(id));
    // Not retried: retry limit 0 for this run would need another queue, so wait out the 4 attempts.
    await waitUntilDrained(t.db, { timeoutMs: 40_000 });
    const failed = await listArchive(t.db, { subscriber: 'flaky', ids, limit: 1000 });
    expect(failed.total).toBe(30);
    broken.clear();
    const [a, b] = await Promise.all([
      replayArchive(t.db, boss, { subscriber: 'flaky', ids }, { now: new Date() }),
      replayArchive(t.db, boss, { subscriber: 'flaky', ids }, { now: new Date() }),
    ]);
    expect(a!.replayed + b!.replayed).toBe(30);
    await waitUntilDrained(t.db, { timeoutMs: 20_000 });
    const counts = await effectCounts(t.db, 'flaky');
    expect(ids.filter((id) => counts.get(id) !== 1)).toEqual([]);
    const jobs = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'flaky' AND data->>'eventId' = ANY(${ids}::text[]) AND state = 'completed'`.execute(t.db);
    expect(jobs.rows[0]!.n).toBe(30);
  });
});
