import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendEvents } from '../../../src/events/appendEvents.ts';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { startRelay, type RelayHandle } from '../../../src/bus/relay/startRelay.ts';
import { startWorker, type WorkerHandle } from '../../../src/bus/worker/startWorker.ts';
import { relayApplier } from '../../../src/bus/worker/applyInRelay.ts';
import { getThroughput } from '../../../src/bus/operator/getThroughput.ts';
import { revenueSubscriber } from '../../../src/subscribers/revenue/revenueSubscriber.ts';
import type { Subscriber } from '../../../src/bus/contract/subscriber.ts';
import type { BusSettings } from '../../../src/bus/queues/busSettings.ts';
import { appendInvoices, createEffectsTable, effectCounts, invoiceCreated, recordingSubscriber, testSettings } from '../../helpers/busTestKit.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';
import { registry } from '../../../src/telemetry/metrics.ts';

/** A counter's value on this process's /metrics registry (0 before its first increment). */
async function counter(name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  const value = metric?.values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x));
  return value?.value ?? 0;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Events in the jobs of `queue` (a bundle counts its events), whatever their state. */
async function eventsInJobs(t: TestDatabase, queue: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    SELECT coalesce(sum(CASE WHEN data ? 'positions' THEN jsonb_array_length(data->'positions') ELSE 1 END), 0)::int AS n
    FROM pgboss.job WHERE name = ${queue}`.execute(t.db);
  return rows[0]!.n;
}

async function appliedInRelay(t: TestDatabase, subscriber: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT coalesce(sum(events), 0)::int AS n FROM relay_direct_deliveries WHERE subscriber = ${subscriber}`.execute(t.db);
  return rows[0]!.n;
}

describe('applying small relay batches in the relay (Subscriber.appliesInRelay)', () => {
  let t: TestDatabase;
  const relays: RelayHandle[] = [];
  let worker: WorkerHandle | undefined;
  const settings: BusSettings = testSettings({ relay: { applyMaxEvents: 16 } });
  const relay = async (subscribers: Subscriber[], s: BusSettings = settings) => {
    const r = await startRelay({ url: t.url, subscribers, settings: s, log: silentLogger, applier: relayApplier(subscribers, { settings: s, log: silentLogger }) });
    relays.push(r);
    return r;
  };
  beforeEach(async () => {
    t = await createTestDatabase();
    await createEffectsTable(t.db);
  });
  afterEach(async () => {
    for (const r of relays.splice(0)) await r.stop();
    await worker?.stop();
    worker = undefined;
    await t.drop();
  });

  it('applies a lone event in the claim transaction: an inbox row and the effect, no job; jobs for the others; counted as throughput', async () => {
    const direct = recordingSubscriber('direct', { appliesInRelay: true });
    const viaJobs = recordingSubscriber('viajobs');
    await relay([direct, viaJobs]);
    const appliedBefore = await counter('accrue_relay_applied_events_total', { subscriber: 'direct' });
    const [id] = await appendInvoices(t.db, 0, 1);
    await waitFor(async () => (await effectCounts(t.db, 'direct')).get(id!) === 1 && (await eventsInJobs(t, 'viajobs')) === 1);
    expect((await counter('accrue_relay_applied_events_total', { subscriber: 'direct' })) - appliedBefore).toBe(1);
    expect(await eventsInJobs(t, 'direct')).toBe(0);
    const inbox = await sql<{ n: number }>`SELECT count(*)::int AS n FROM inbox WHERE subscriber = 'direct' AND event_id = ${id!}`.execute(t.db);
    expect(inbox.rows[0]!.n).toBe(1);
    // No worker runs: the other subscriber's job waits, nothing of it is applied.
    expect((await effectCounts(t.db, 'viajobs')).size).toBe(0);
    expect(await appliedInRelay(t, 'direct')).toBe(1);
    const throughput = await getThroughput(t.db, { now: new Date(), minutes: 5 });
    const total = throughput.minutes.reduce((n, m) => n + m.relayed, 0);
    const completed = throughput.minutes.reduce((n, m) => n + m.completed, 0);
    expect(total).toBe(2); // one applied in the relay, one job
    expect(completed).toBe(1);
  });

  it('sends a batch bigger than applyMaxEvents to bundles, which a worker applies once each', async () => {
    const direct = recordingSubscriber('direct', { appliesInRelay: true });
    const ids = await appendInvoices(t.db, 0, 40); // one commit: the relay's first batch holds all 40
    await relay([direct]);
    await waitFor(async () => (await eventsInJobs(t, 'direct')) === 40);
    expect(await appliedInRelay(t, 'direct')).toBe(0);
    worker = await startWorker({ url: t.url, subscribers: [direct], settings, log: silentLogger });
    await waitFor(async () => (await effectCounts(t.db, 'direct')).size === 40);
    const counts = await effectCounts(t.db, 'direct');
    expect(ids.every((id) => counts.get(id) === 1)).toBe(true);
  });

  it('rolls everything back when one apply throws and hands the batch to jobs: each subscriber applies each event once', async () => {
    const failedOnce = new Set<string>();
    // Throws after writing its effect, the first time it sees each event.
    const flaky = recordingSubscriber('flaky', { appliesInRelay: true, fail: (id) => !failedOnce.has(id) && failedOnce.add(id) !== undefined });
    const steady = recordingSubscriber('steady', { appliesInRelay: true });
    await relay([steady, flaky]);
    const fallbacksBefore = await counter('accrue_relay_apply_fallbacks_total');
    const [id] = await appendInvoices(t.db, 0, 1);
    // Both subscribers' work rolled back with the claim; both got a job instead.
    await waitFor(async () => (await eventsInJobs(t, 'flaky')) === 1 && (await eventsInJobs(t, 'steady')) === 1);
    expect(failedOnce.has(id!)).toBe(true);
    expect((await effectCounts(t.db, 'steady')).size).toBe(0);
    expect((await effectCounts(t.db, 'flaky')).size).toBe(0);
    expect(await appliedInRelay(t, 'steady')).toBe(0);
    expect((await counter('accrue_relay_apply_fallbacks_total')) - fallbacksBefore).toBe(1);
    worker = await startWorker({ url: t.url, subscribers: [steady, flaky], settings, log: silentLogger });
    await waitFor(async () => (await effectCounts(t.db, 'flaky')).get(id!) === 1 && (await effectCounts(t.db, 'steady')).get(id!) === 1);
    const archived = await sql<{ n: number }>`SELECT count(*)::int AS n FROM failed_attempts`.execute(t.db);
    expect(archived.rows[0]!.n).toBe(0); // falling back is not a failed attempt
  });

  it('does not wait behind a lock held elsewhere: after lock_timeout the event goes to a job, and posts once', async () => {
    await relay([revenueSubscriber]);
    const invoice = invoiceCreated(7);
    // A transaction holding the invoice's posting lock (as a worker applying a long bundle would).
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const holder = t.db.transaction().execute(async (tx) => {
      await sql`SELECT pg_advisory_xact_lock(hashtextextended(${'accrue:revenue:' + invoice.aggregateId}, 0))`.execute(tx);
      locked();
      await released;
    });
    await isLocked;
    const [r] = await appendEvents(t.db, [invoice], { correlationId: 'locked', actor: 'test' });
    await waitFor(async () => (await eventsInJobs(t, 'revenue')) === 1);
    expect(await appliedInRelay(t, 'revenue')).toBe(0);
    release();
    await holder;
    worker = await startWorker({ url: t.url, subscribers: [revenueSubscriber], settings, log: silentLogger });
    await waitFor(async () => {
      const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM inbox WHERE subscriber = 'revenue' AND event_id = ${r!.event.eventId}`.execute(t.db);
      return rows[0]!.n === 1;
    });
    // Posted once: as many entries as the same invoice, applied in the relay without a lock in its way, gets.
    const control = invoiceCreated(8);
    const [c] = await appendEvents(t.db, [control], { correlationId: 'control', actor: 'test' });
    const entriesOf = async (eventId: string) =>
      (await sql<{ n: number }>`SELECT count(*)::int AS n FROM ledger_entries WHERE event_id = ${eventId}`.execute(t.db)).rows[0]!.n;
    await waitFor(async () => (await entriesOf(c!.event.eventId)) > 0);
    expect(await appliedInRelay(t, 'revenue')).toBe(1);
    expect(await entriesOf(r!.event.eventId)).toBe(await entriesOf(c!.event.eventId));
  });

  it('two relays applying and a worker taking bundles, events committed one by one and in bursts: each applied exactly once', async () => {
    const direct = recordingSubscriber('direct', { appliesInRelay: true });
    const viaJobs = recordingSubscriber('viajobs');
    const two = testSettings({ relay: { applyMaxEvents: 4, loops: 2, batchSize: 30 } });
    await relay([direct, viaJobs], two);
    await relay([direct, viaJobs], two);
    worker = await startWorker({ url: t.url, subscribers: [direct, viaJobs], settings: two, log: silentLogger });
    const ids: string[] = [];
    const singles = Array.from({ length: 8 }, (_, w) =>
      (async () => {
        for (let i = 0; i < 40; i++) ids.push(...(await appendInvoices(t.db, w * 1000 + i, 1)));
      })(),
    );
    const bursts = (async () => {
      for (let b = 0; b < 6; b++) ids.push(...(await appendInvoices(t.db, 100_000 + b * 100, 25)));
    })();
    await Promise.all([...singles, bursts]);
    expect(ids.length).toBe(8 * 40 + 6 * 25);
    await waitFor(async () => (await effectCounts(t.db, 'direct')).size === ids.length && (await effectCounts(t.db, 'viajobs')).size === ids.length, 60_000);
    for (const name of ['direct', 'viajobs']) {
      const counts = await effectCounts(t.db, name);
      expect(ids.every((id) => counts.get(id) === 1)).toBe(true);
    }
    // Both paths were taken: small batches in the relays, the bursts (25 > 4) as bundles.
    const inRelay = await appliedInRelay(t, 'direct');
    expect(inRelay).toBeGreaterThan(0);
    expect(inRelay + (await eventsInJobs(t, 'direct'))).toBe(ids.length);
  });
});
