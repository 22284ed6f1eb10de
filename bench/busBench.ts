// Event-bus benchmark: relay throughput, outbox -> handler throughput, and commit -> handler
// latency at a steady rate, each next to bare pg-boss on the same database in the same run.
// Exported for the project's bench harness; `node bench/busBench.ts` runs it alone
// (DATABASE_URL = a server to create a scratch database on; embedded Postgres otherwise).
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { PgBoss } from 'pg-boss';
import type { Subscriber } from '../src/bus/contract/subscriber.ts';
import { connect, type Db } from '../src/db/connect.ts';
import { migrate } from '../src/db/migrate.ts';
import { createDatabase } from '../src/db/createDatabase.ts';
import { appendEvents } from '../src/events/appendEvents.ts';
import { silentLogger } from '../src/telemetry/logger.ts';
import { waitUntilDrained } from '../src/bus/operator/getStatus.ts';
import type { BusSettings } from '../src/bus/queues/busSettings.ts';
import { startRelay } from '../src/bus/relay/startRelay.ts';
import { startWorker } from '../src/bus/worker/startWorker.ts';

export const benchSettings = (overrides: Partial<BusSettings['worker']> = {}): BusSettings => ({
  queue: { retryLimit: 5, retryDelay: 1, retryBackoff: true, retryDelayMax: 60, expireInSeconds: 60 },
  relay: { batchSize: 1000, pollMs: 1000, loops: 2, applyMaxEvents: 100 },
  worker: { batchSize: 200, concurrency: 2, pollSeconds: 1, outboundTimeoutMs: 5000, ...overrides },
  superviseSeconds: 30,
  shutdownTimeoutMs: 5000,
});

const invoice = (i: number) => ({
  type: 'InvoiceCreated' as const,
  aggregateId: `inv_${i}`,
  aggregateVersion: 1,
  occurredAt: '2026-01-01',
  data: { customerId: 'cus_1', currency: 'USD', lines: [{ lineId: 'l1', kind: 'revenue', description: 'Plan', amount: 1000 }] },
});

async function fillOutbox(db: Db, count: number): Promise<void> {
  for (let i = 0; i < count; i += 1000) {
    const n = Math.min(1000, count - i);
    await appendEvents(db, Array.from({ length: n }, (_, k) => invoice(i + k)), { correlationId: 'bench', actor: 'bench' });
  }
}

/** A subscriber doing the least real work: its inbox row (written by the worker) and nothing else. */
function trivialSubscriber(name: string, onEvent?: (eventId: string) => void): Subscriber {
  return { name, eventTypes: ['InvoiceCreated'], async handle(event) { onEvent?.(event.eventId); } };
}

export type ThroughputResult = {
  events: number;
  /** outbox -> jobs created (relay alone, with the worker running beside it). */
  relayPerSecond: number;
  /** outbox -> every handler called. */
  pipelinePerSecond: number;
  /** bare pg-boss, jobs inserted beforehand, no-op handler. */
  barePgBossPreloadedPerSecond: number;
  /** bare pg-boss, insert and work at once: insert -> every handler called. */
  barePgBossStreamedPerSecond: number;
};

/**
 * Pre-fills the outbox with `events`, then starts relay + worker and times (a) until the
 * outbox is empty (relay rate) and (b) until every event's handler ran (pipeline rate).
 * Bare pg-boss: the same number of jobs inserted up front, worked with a no-op handler at
 * the same batch size and concurrency.
 */
export async function measureThroughput(url: string, events = 50_000, options: { relayLoops?: number; concurrency?: number; batchSize?: number } = {}): Promise<ThroughputResult> {
  const { db, close } = connect(url, { max: 4 });
  const settings = benchSettings({ concurrency: options.concurrency ?? 2, batchSize: options.batchSize ?? 200 });
  try {
    await fillOutbox(db, events);
    let handled = 0;
    let allHandled!: () => void;
    const done = new Promise<void>((r) => (allHandled = r));
    const subscriber = trivialSubscriber('bench_throughput', () => {
      if (++handled === events) allHandled();
    });
    const worker = await startWorker({ url, subscribers: [subscriber], settings, log: silentLogger });
    const started = performance.now();
    const relay = await startRelay({ url, subscribers: [subscriber], settings, log: silentLogger, loops: options.relayLoops ?? 2 });
    let relayedAt = 0;
    const watchOutbox = (async () => {
      for (;;) {
        const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM outbox`.execute(db);
        if (rows[0]!.n === 0) return (relayedAt = performance.now());
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await done;
    const finished = performance.now();
    await watchOutbox;
    await relay.stop();
    await worker.stop();
    const barePreloaded = await measureBarePgBoss(url, events, settings, true);
    const bareStreamed = await measureBarePgBoss(url, events, settings, false);
    return {
      events,
      relayPerSecond: Math.round(events / ((relayedAt - started) / 1000)),
      pipelinePerSecond: Math.round(events / ((finished - started) / 1000)),
      barePgBossPreloadedPerSecond: barePreloaded,
      barePgBossStreamedPerSecond: bareStreamed,
    };
  } finally {
    await close();
  }
}

/**
 * Bare pg-boss with a no-op handler, same batch size and concurrency. `preloaded`: all jobs
 * inserted before the worker starts (the worker's ceiling). Otherwise a producer inserts
 * 1000-job batches while the worker runs, timed from the first insert to the last
 * handled: the bare analogue of outbox -> handler.
 */
async function measureBarePgBoss(url: string, jobs: number, settings: BusSettings, preloaded: boolean): Promise<number> {
  const boss = new PgBoss({ connectionString: url, max: 10, useListenNotify: true, supervise: false, schedule: false });
  boss.on('error', () => {});
  await boss.start();
  const queue = preloaded ? 'bench_bare_preloaded' : 'bench_bare_streamed';
  await boss.createQueue(queue, { notify: true });
  const produce = async () => {
    for (let i = 0; i < jobs; i += 1000) {
      await boss.insert(queue, Array.from({ length: Math.min(1000, jobs - i) }, (_, k) => ({ data: { i: i + k } })));
    }
  };
  if (preloaded) await produce();
  let handled = 0;
  let allHandled!: () => void;
  const done = new Promise<void>((r) => (allHandled = r));
  const started = performance.now();
  const options = { batchSize: settings.worker.batchSize, localConcurrency: settings.worker.concurrency, pollingIntervalSeconds: 1, burstWhenBatchFull: true };
  await boss.work(queue, options, async (batch) => {
    handled += batch.length;
    if (handled >= jobs) allHandled();
  });
  if (!preloaded) await produce();
  await done;
  const rate = Math.round(jobs / ((performance.now() - started) / 1000));
  await boss.stop({ graceful: true });
  return rate;
}

export type Percentiles = { p50: number; p95: number; p99: number; max: number; samples: number };
export type LatencyResult = { ratePerSecond: number; seconds: number; accrue: Percentiles; barePgBoss: Percentiles };

/**
 * Commits one event every 1000/rate ms (each its own transaction, like an API call) with
 * relay and worker running, and measures commit -> handler call in milliseconds. Bare
 * pg-boss: send() resolved -> handler call, at the same rate, NOTIFY on.
 */
export async function measureLatency(url: string, ratePerSecond = 200, seconds = 10, options: { concurrency?: number; relayLoops?: number } = {}): Promise<LatencyResult> {
  const { db, close } = connect(url, { max: 8 });
  const settings = benchSettings({ batchSize: 50, concurrency: options.concurrency ?? 2 });
  const committedAt = new Map<string, number>();
  const latencies: number[] = [];
  const subscriber = trivialSubscriber('bench_latency', (id) => {
    const at = committedAt.get(id);
    if (at !== undefined) latencies.push(performance.now() - at);
  });
  try {
    const worker = await startWorker({ url, subscribers: [subscriber], settings, log: silentLogger });
    const relay = await startRelay({ url, subscribers: [subscriber], settings, log: silentLogger, loops: options.relayLoops ?? 2 });
    await steady(ratePerSecond, seconds, async (i) => {
      const [r] = await appendEvents(db, [invoice(1_000_000 + i)], { correlationId: 'lat', actor: 'bench' });
      committedAt.set(r!.event.eventId, performance.now());
    });
    await waitUntilDrained(db, { timeoutMs: 30_000 });
    await relay.stop();
    await worker.stop();

    const bare = await bareLatency(url, ratePerSecond, seconds);
    return { ratePerSecond, seconds, accrue: percentiles(latencies), barePgBoss: bare };
  } finally {
    await close();
  }
}

async function bareLatency(url: string, ratePerSecond: number, seconds: number): Promise<Percentiles> {
  const boss = new PgBoss({ connectionString: url, max: 10, useListenNotify: true, supervise: false, schedule: false });
  boss.on('error', () => {});
  await boss.start();
  const queue = 'bench_bare_latency';
  await boss.createQueue(queue, { notify: true });
  const sentAt = new Map<number, number>();
  const latencies: number[] = [];
  await boss.work<{ i: number }>(queue, { batchSize: 50, localConcurrency: 2, pollingIntervalSeconds: 1 }, async (jobs) => {
    for (const job of jobs) {
      const at = sentAt.get(job.data.i);
      if (at !== undefined) latencies.push(performance.now() - at);
    }
  });
  await steady(ratePerSecond, seconds, async (i) => {
    await boss.send(queue, { i });
    sentAt.set(i, performance.now());
  });
  const deadline = Date.now() + 10_000;
  while (latencies.length < sentAt.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await boss.stop({ graceful: true });
  return percentiles(latencies);
}

/** Starts `fn` every 1000/rate ms on a fixed schedule (no coordinated omission), waits for all. */
async function steady(ratePerSecond: number, seconds: number, fn: (i: number) => Promise<void>): Promise<void> {
  const total = ratePerSecond * seconds;
  const interval = 1000 / ratePerSecond;
  const start = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const wait = start + i * interval - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    inFlight.push(fn(i));
  }
  await Promise.all(inFlight);
}

export function percentiles(values: number[]): Percentiles {
  const s = [...values].sort((a, b) => a - b);
  const at = (p: number) => (s.length ? Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! * 10) / 10 : NaN);
  return { p50: at(50), p95: at(95), p99: at(99), max: at(100), samples: s.length };
}

/** A scratch database on the server at adminUrl, migrated (accrue + pg-boss on first start). */
export async function createBenchDatabase(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const database = await createDatabase(adminUrl, `accrue_bench_${randomBytes(4).toString('hex')}`);
  await migrate(database.url);
  return database;
}

export type BusBenchResult = { throughput: ThroughputResult; latency: LatencyResult };

/** The whole bus benchmark on a scratch database of the server at adminUrl. */
export async function runBusBench(
  adminUrl: string,
  options: { events?: number; ratePerSecond?: number; seconds?: number; relayLoops?: number; concurrency?: number; batchSize?: number } = {},
): Promise<BusBenchResult> {
  const scratch = await createBenchDatabase(adminUrl);
  try {
    // Latency first, on a fresh database; then throughput.
    const latency = await measureLatency(scratch.url, options.ratePerSecond ?? 200, options.seconds ?? 10, options);
    const throughput = await measureThroughput(scratch.url, options.events ?? 50_000, options);
    return { throughput, latency };
  } finally {
    await scratch.drop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) throw new Error('set DATABASE_URL to a server the benchmark may create a scratch database on');
  const result = await runBusBench(adminUrl, {
    events: Number(process.env.BENCH_EVENTS ?? 50_000),
    ratePerSecond: Number(process.env.BENCH_RATE ?? 200),
    seconds: Number(process.env.BENCH_SECONDS ?? 10),
    relayLoops: Number(process.env.BENCH_RELAY_LOOPS ?? 2),
    concurrency: Number(process.env.BENCH_CONCURRENCY ?? 2),
    batchSize: Number(process.env.BENCH_BATCH ?? 200),
  });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
