import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntilDrained } from '../../../src/bus/operator/getStatus.ts';
import { startRelay, type RelayHandle } from '../../../src/bus/relay/startRelay.ts';
import { startWorker, type WorkerHandle } from '../../../src/bus/worker/startWorker.ts';
import { loadConfig } from '../../../src/config.ts';
import { revenueSubscriber } from '../../../src/subscribers/revenue/index.ts';
import { buildSchedules } from '../../../src/subscribers/schedules/index.ts';
import { RETENTION_QUEUE } from '../../../src/subscribers/schedules/retentionSchedule.ts';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { appendTestEvents } from '../../helpers/appendTestEvent.ts';
import { testSettings } from '../../helpers/busTestKit.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';

/**
 * Issue 15: the retention schedule deletes inbox rows and completed pg-boss jobs older
 * than ACCRUE_RETENTION_DAYS, keeps newer ones, and never touches the record: events,
 * ledger entries, the books' event store, the failed-job archive and failed jobs.
 * Costs: one test database, relay + worker, 60 invoice events.
 */
describe('retention of bookkeeping', () => {
  let t: TestDatabase;
  let relay: RelayHandle;
  let worker: WorkerHandle;
  beforeAll(async () => {
    t = await createTestDatabase();
    const settings = testSettings();
    relay = await startRelay({ url: t.url, subscribers: [revenueSubscriber], settings, log: silentLogger });
    worker = await startWorker({ url: t.url, subscribers: [revenueSubscriber], settings, log: silentLogger });
  });
  let stopped = false;
  afterAll(async () => {
    if (!stopped) await Promise.all([relay?.stop(), worker?.stop()]);
    await t?.drop();
  });

  const count = async (from: string) => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.raw(from)}`.execute(t.owner)).rows[0]!.n;
  const record = async () => ({
    events: await count('events'),
    ledger: await count('ledger_entries'),
    bookEvents: await count('revenue_book_events'),
    archive: await count('failed_job_archive'),
    failedJobs: await count(`pgboss.job WHERE state = 'failed'`),
  });

  it('prunes old inbox rows and completed jobs, and nothing of the record', async () => {
    // Two bursts, so there are old and new jobs (a burst is one bundle job, or one job per event).
    const burst = (from: number) =>
      appendTestEvents(t.db, Array.from({ length: 15 }, (_, k) => ({
        type: 'InvoiceCreated' as const, aggregateId: `inv_${from + k}`, aggregateVersion: 1, occurredAt: '2026-01-01',
        data: { customerId: 'cus', currency: 'USD', lines: [{ lineId: 'l', kind: 'revenue', description: '', amount: 1200, servicePeriod: { start: '2026-01-01', end: '2027-01-01' } }] },
      })));
    await burst(0);
    await waitUntilDrained(t.db, { timeoutMs: 30_000 });
    const between = (await sql<{ at: Date }>`SELECT clock_timestamp() AS at`.execute(t.owner)).rows[0]!.at;
    await burst(15);
    await waitUntilDrained(t.db, { timeoutMs: 30_000 });
    // The bus stops here: pg-boss's own maintenance in the worker deletes failed jobs past
    // their queue's retention, so it could take the aged failed job below before the count.
    await Promise.all([relay.stop(), worker.stop()]);
    stopped = true;
    // The record, aged too: old rows of these must survive.
    await sql`INSERT INTO failed_job_archive (job_id, queue, subscriber, payload, error_message, attempts, archived_at)
              VALUES (gen_random_uuid(), 'revenue', 'revenue', '{}', 'boom', 3, now() - interval '400 days')`.execute(t.owner);
    await sql`INSERT INTO pgboss.job (id, name, state, data, completed_on, created_on)
              SELECT gen_random_uuid(), 'revenue', 'failed', '{}', now() - interval '400 days', now() - interval '400 days'`.execute(t.owner);
    // Half the bookkeeping is 40 days old, half is new.
    await sql`UPDATE inbox SET processed_at = now() - interval '40 days' WHERE event_id IN (
                SELECT event_id FROM events WHERE aggregate_id < 'inv_2')`.execute(t.owner);
    await sql`UPDATE pgboss.job SET completed_on = now() - interval '40 days'
              WHERE state = 'completed' AND name = 'revenue' AND created_on < ${between}`.execute(t.owner);
    const oldInbox = await count(`inbox WHERE processed_at < now() - interval '30 days'`);
    const oldJobs = await count(`pgboss.job WHERE state = 'completed' AND completed_on < now() - interval '30 days'`);
    expect(oldInbox).toBeGreaterThan(10);
    expect(oldJobs).toBeGreaterThan(0);
    const inboxBefore = await count('inbox');
    const jobsBefore = await count(`pgboss.job WHERE state = 'completed'`);
    expect(jobsBefore).toBeGreaterThan(oldJobs);
    const before = await record();

    const task = buildSchedules(loadConfig({ ACCRUE_RETENTION_DAYS: '30' }), []).find((s) => s.name === RETENTION_QUEUE)!;
    await t.db.transaction().execute((tx) => task.run({ db: tx, log: silentLogger, now: new Date() }));

    expect(await count('inbox')).toBe(inboxBefore - oldInbox);
    expect(await count(`pgboss.job WHERE state = 'completed'`)).toBe(jobsBefore - oldJobs);
    expect(await count(`inbox WHERE processed_at < now() - interval '30 days'`)).toBe(0);
    expect(await record()).toEqual(before);
    expect(before.archive).toBe(1);
    expect(before.failedJobs).toBe(1);
    expect(before.ledger).toBeGreaterThan(0);
  });
});
