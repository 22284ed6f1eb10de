import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import { connect } from '../../src/db/connect.ts';
import type { Database } from '../../src/db/schema.ts';
import { waitUntilDrained } from '../../src/bus/operator/getStatus.ts';
import { todayUtc } from '../../src/values/dates.ts';
import { startBusChild, type BusChild, type QueryCounts } from './busChildren.ts';
import { postgresCpuReader, processCpuMs } from './processCpu.ts';
import { loadOutbox } from './invoiceEvents.ts';
import { rssMb, sampleRss } from './rss.ts';
import { round } from './stats.ts';
import { sampleWaitEvents } from './waitEvents.ts';
import { quietBackends } from './quietBackends.ts';
import type { BenchContext } from './types.ts';

export type DrainOptions = {
  label: string;
  prefix: string;
  sampleRss?: boolean;
  /** Worker and relay processes (default 1 each): the scale-out figure's knobs. */
  workers?: number;
  relays?: number;
  /** 'all': the service's default subscriber set (revenue, notifications, analytics). */
  subscribers?: 'revenue' | 'all';
};

export type DrainResult = {
  events: number;
  workers: number;
  relays: number;
  subscribers: 'revenue' | 'all';
  /** Jobs applied (inbox rows written) per subscriber during the drain, and per event. */
  jobsBySubscriber: Record<string, number>;
  jobsPerEvent: number;
  seconds: number;
  eventsPerSec: number;
  loadSeconds: number;
  /** Statements each process sent while draining, by kind (one query() = one round trip). */
  relayQueries: QueryCounts;
  workerQueries: QueryCounts;
  /** Server-side state of the relay's and worker's active backends, sampled every 100 ms. */
  serverWaits: Record<string, number>;
  /** Database-wide counters over the drain, per invoice event. */
  perEvent: Record<string, number>;
  /**
   * CPU ms per event of the worker process(es), the relay(s) and the whole Postgres
   * server (null where /proc cannot tell): the cost that moves least with the machine's load.
   */
  cpuMsPerEvent: { worker: number | null; relay: number | null; postgres: number | null; total: number | null };
  deadlocks: number;
  rollbacks: number;
  ledgerEntries: number;
  failedAttempts: number;
  workerRssMb?: { idle: number; peak: number; samples: number[] };
};

/** The drain's own connections (progress, counters): the only ones left when it reads the counters. */
const BENCH_APP = 'accrue-bench';

type DbCounters = { deadlocks: number; rollbacks: number; commits: number; inserted: number; updated: number; deleted: number; walBytes: number; walRecords: number; fpi: number };

async function counters(db: Kysely<Database>): Promise<DbCounters> {
  // Stats are flushed by each backend at most once a second; the drains last longer.
  await sql`SELECT pg_stat_clear_snapshot()`.execute(db);
  const { rows } = await sql<DbCounters>`
    SELECT d.deadlocks::float8 AS deadlocks, d.xact_rollback::float8 AS rollbacks, d.xact_commit::float8 AS commits, d.tup_inserted::float8 AS inserted, d.tup_updated::float8 AS updated,
           d.tup_deleted::float8 AS deleted, w.wal_bytes::float8 AS "walBytes", w.wal_records::float8 AS "walRecords",
           w.wal_fpi::float8 AS fpi
    FROM pg_stat_database d, pg_stat_wal w WHERE d.datname = current_database()`.execute(db);
  return rows[0]!;
}

async function scalar(db: Kysely<Database>, query: ReturnType<typeof sql<{ n: number }>>): Promise<number> {
  return (await query.execute(db)).rows[0]!.n;
}

async function inboxBySubscriber(db: Kysely<Database>): Promise<Record<string, number>> {
  const { rows } = await sql<{ subscriber: string; n: number }>`SELECT subscriber, count(*)::int AS n FROM inbox GROUP BY subscriber`.execute(db);
  return Object.fromEntries(rows.map((r) => [r.subscriber, r.n]));
}

const sumQueries = (all: QueryCounts[]): QueryCounts => {
  const out: QueryCounts = {};
  for (const q of all) for (const [k, v] of Object.entries(q)) out[k] = { n: (out[k]?.n ?? 0) + v.n, ms: (out[k]?.ms ?? 0) + v.ms };
  return out;
};

/**
 * `events` invoice events loaded into the outbox first (no relay running), then
 * worker processes and relay processes (revenue subscriber or the default set,
 * default bus settings) move them into the ledger; timed from the relays' start to
 * waitUntilDrained(). Checks that every event reached the revenue inbox and none
 * failed. Notifications (with 'all') go to a file in a temp dir, as the file
 * channel would write them; no webhooks subscriber (ACCRUE_WEBHOOK_URL unset).
 */
export async function drainPipeline(ctx: BenchContext, events: number, options: DrainOptions): Promise<DrainResult> {
  const handle = connect(ctx.url, { max: 4, applicationName: BENCH_APP });
  const db = handle.db;
  const workers = options.workers ?? 1;
  const relays = options.relays ?? 1;
  const subscribers = options.subscribers ?? 'revenue';
  const notifyDir = subscribers === 'all' ? await mkdtemp(path.join(os.tmpdir(), 'accrue-bench-notify-')) : undefined;
  const env: NodeJS.ProcessEnv = notifyDir
    ? {
        BENCH_SUBSCRIBERS: 'all',
        ACCRUE_NOTIFY_CHANNEL: 'file',
        ACCRUE_NOTIFY_FILE: path.join(notifyDir, 'notifications.jsonl'),
        ACCRUE_NOTIFY_WEBHOOK_URL: undefined,
        ACCRUE_WEBHOOK_URL: undefined,
      }
    : {};
  // Children still running when the drain fails are stopped, not left to a later figure.
  const running = new Set<BusChild>();
  const track = (c: BusChild) => (running.add(c), c);
  const stop = (c: BusChild) => (running.delete(c), c.stop());
  try {
    const load = ctx.progress.task(`${options.label}: ${events} events into the outbox`, events);
    const loadStarted = performance.now();
    // Its own connections, closed before the drain's counters are read: their last writes
    // would otherwise be reported during the drain (quietBackends).
    const loader = connect(ctx.url, { max: 4, applicationName: 'accrue-bench-load' });
    try {
      await loadOutbox(loader.db, events, todayUtc(), options.prefix, load);
    } finally {
      await loader.close();
    }
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    load.done();

    const inboxCount = sql<{ n: number }>`SELECT count(*)::int AS n FROM inbox WHERE subscriber = 'revenue'`;
    const entriesCount = sql<{ n: number }>`SELECT count(*)::int AS n FROM ledger_entries`;
    const failedCount = sql<{ n: number }>`SELECT count(*)::int AS n FROM failed_attempts`;
    const [inboxBefore, entriesBefore, failedBefore] = [await scalar(db, inboxCount), await scalar(db, entriesCount), await scalar(db, failedCount)];
    const jobsBefore = await inboxBySubscriber(db);
    await quietBackends(db, BENCH_APP);

    const workerChildren = [];
    for (let i = 0; i < workers; i++) workerChildren.push(track(await startBusChild('worker', ctx.url, env)));
    const worker = workerChildren[0]!;
    const rss = options.sampleRss ? sampleRss(worker.pid, 100) : undefined;
    // The idle worker (started, nothing to do yet): what the drain adds is measured against it.
    await new Promise((r) => setTimeout(r, options.sampleRss ? 1_000 : 0));
    const idleRss = options.sampleRss ? await rssMb(worker.pid) : Number.NaN;
    const before = await counters(db);
    const postgresCpu = await postgresCpuReader(db);
    const postgresCpuBefore = postgresCpu ? await postgresCpu() : null;
    const workerCpuBefore = await cpuOf(workerChildren);
    const drain = ctx.progress.task(`${options.label}: relay → queue → revenue → ledger`, events);
    // Every 250 ms: the shares per state are what the docs read, and a drain of seconds
    // gives enough samples; at 100 ms the sampler was ~1.4 % of the server's statement time.
    const waits = sampleWaitEvents(db, undefined, 250);
    // Timed from the first relay's ready line, as with one relay before issue 10 (it
    // may have moved a first batch while announcing it: a few ms against drains of
    // seconds). Not from the last one's: the first drains alone meanwhile.
    const readyAt: number[] = [];
    const relayChildren = await Promise.all(
      Array.from({ length: relays }, () => startBusChild('relay', ctx.url, env).then((c) => (readyAt.push(performance.now()), track(c)))),
    );
    // From ready on (not counting its start-up), like the worker's.
    const relayCpuBefore = await cpuOf(relayChildren);
    const started = Math.min(...readyAt);
    // The bar's count (an index scan over the whole inbox, which grows with every round)
    // only when a bar is drawn, and once a second: at 500 ms it was ~1.4 % of the server's
    // statement time in a 20,000-event drain, counted for nothing when stderr is a file.
    const watch = ctx.progress.live
      ? setInterval(() => void scalar(db, inboxCount).then((n) => drain.update(n - inboxBefore), () => {}), 1_000)
      : undefined;
    try {
      await waitUntilDrained(db, { timeoutMs: 20 * 60_000, intervalMs: 50 });
    } finally {
      clearInterval(watch);
    }
    const seconds = (performance.now() - started) / 1000;
    // CPU per event moves far less with other work on the machine than events/s does:
    // it is what each process spends, whoever else waits for the cores.
    const cpuMs = {
      worker: nullableDiff(await cpuOf(workerChildren), workerCpuBefore),
      relay: nullableDiff(await cpuOf(relayChildren), relayCpuBefore),
      postgres: postgresCpu && postgresCpuBefore !== null ? (await postgresCpu()) - postgresCpuBefore : null,
    };
    drain.done();
    const samples = rss ? await rss.stop() : [];
    const serverWaits = await waits.stop();
    const relayQueries = sumQueries(await Promise.all(relayChildren.map((c) => stop(c))));
    const workerQueries = sumQueries(await Promise.all(workerChildren.map((c) => stop(c))));
    // The relay's and worker's backends report their last counters as they exit.
    await quietBackends(db, BENCH_APP);
    const after = await counters(db);
    const jobsAfter = await inboxBySubscriber(db);
    const jobsBySubscriber: Record<string, number> = {};
    for (const [k, n] of Object.entries(jobsAfter)) if (n > (jobsBefore[k] ?? 0)) jobsBySubscriber[k] = n - (jobsBefore[k] ?? 0);
    const jobs = Object.values(jobsBySubscriber).reduce((a, b) => a + b, 0);

    const applied = (await scalar(db, inboxCount)) - inboxBefore;
    const failedAttempts = (await scalar(db, failedCount)) - failedBefore;
    if (applied !== events) throw new Error(`${options.label}: ${applied} of ${events} events reached the revenue inbox`);
    const per = (k: keyof DbCounters) => round((after[k] - before[k]) / events, 2);
    const result: DrainResult = {
      events,
      workers,
      relays,
      subscribers,
      jobsBySubscriber,
      jobsPerEvent: round(jobs / events, 2),
      seconds: round(seconds, 2),
      eventsPerSec: round(events / seconds),
      loadSeconds: round(loadSeconds, 1),
      relayQueries,
      workerQueries,
      serverWaits,
      perEvent: {
        commits: per('commits'),
        rowsInserted: per('inserted'),
        rowsUpdated: per('updated'),
        rowsDeleted: per('deleted'),
        walBytes: per('walBytes'),
        walRecords: per('walRecords'),
        walFullPageImages: per('fpi'),
        workerRoundTrips: round(sum(workerQueries) / events, 2),
        relayRoundTrips: round(sum(relayQueries) / events, 3),
      },
      cpuMsPerEvent: {
        worker: perEventMs(cpuMs.worker, events),
        relay: perEventMs(cpuMs.relay, events),
        postgres: perEventMs(cpuMs.postgres, events),
        total: cpuMs.worker !== null && cpuMs.relay !== null && cpuMs.postgres !== null ? perEventMs(cpuMs.worker + cpuMs.relay + cpuMs.postgres, events) : null,
      },
      // A deadlock costs deadlock_timeout (1 s by default) before Postgres breaks it.
      deadlocks: after.deadlocks - before.deadlocks,
      rollbacks: after.rollbacks - before.rollbacks,
      ledgerEntries: (await scalar(db, entriesCount)) - entriesBefore,
      failedAttempts,
      ...(rss ? { workerRssMb: { idle: round(idleRss, 1), peak: round(Math.max(...samples), 1), samples: samples.map((s) => round(s, 1)) } } : {}),
    };
    if (rss && workers === 1 && subscribers === 'revenue') drainsThisRun.set(events, result);
    return result;
  } finally {
    await Promise.all([...running].map((c) => c.stop().catch(() => {})));
    await handle.close();
    if (notifyDir) await rm(notifyDir, { recursive: true, force: true });
  }
}

/**
 * Drains already measured in this run, by size: the worker-memory figure reuses the
 * pipeline figure's drain of N (its worker RSS is sampled) instead of running it twice.
 */
export const drainsThisRun = new Map<number, DrainResult>();

/** Summed CPU ms of the processes; null when one cannot be read. */
async function cpuOf(children: readonly BusChild[]): Promise<number | null> {
  const each = await Promise.all(children.map((c) => processCpuMs(c.pid)));
  return each.some((v) => v === null) ? null : each.reduce<number>((a, b) => a + b!, 0);
}
const nullableDiff = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);
const perEventMs = (ms: number | null, events: number) => (ms === null ? null : round(ms / events, 3));

const sum = (counts: QueryCounts) => Object.values(counts).reduce((a, b) => a + b.n, 0);
