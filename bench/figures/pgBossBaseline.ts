import pg from 'pg';
import { PgBoss } from 'pg-boss';
import { keepingConnections } from '../../src/bus/queues/startBoss.ts';
import { invalid, type BenchContext, type Figure } from '../lib/types.ts';
import { lateArrivalsAllowed, openLoopVerdict } from '../lib/openLoop.ts';
import { nowMs, round, summarizeLatencies } from '../lib/stats.ts';
import { steadyRate } from '../lib/steadyRate.ts';

/**
 * Settings of the bare pg-boss baseline, exported so the accrue figures can state
 * what they are compared with. Throughput: batches of 100 and burst fetching (a
 * trivial handler should not wait for the 2 s default poll while a backlog exists),
 * two fetch loops. Latency: one job per fetch, four loops, woken by LISTEN/NOTIFY.
 */
export const PG_BOSS_BASELINE = {
  schema: 'bench_pgboss',
  throughput: { batchSize: 100, burstWhenBatchFull: true, pollingIntervalSeconds: 0.5, localConcurrency: 2 },
  // The same 1 s backstop poll as accrue's worker (ACCRUE_WORKER_POLL_SECONDS): with
  // pg-boss's default of 30 s, a job whose NOTIFY came before the LISTEN (the warm-up's
  // first sends) waited up to 30 s, and twice the warm-up did not finish in 60 s.
  latency: { batchSize: 1, localConcurrency: 4, pollingIntervalSeconds: 1, notifyPollingIntervalSeconds: 1 },
  ratePerSec: 200,
} as const;

// Sends in flight at once, as the e2e figure's appends (and within the pool, so none
// queue for a connection). 8 held only ~170/s of 200/s on a loaded machine, where one
// send commits in 40 ms or more: the run was invalid for the sender's sake.
const SENDS_IN_FLIGHT = 32;

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`${what}: not done within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function drainBacklog(ctx: BenchContext, boss: PgBoss, jobs: number) {
  const queue = 'bench_throughput';
  await boss.createQueue(queue);
  const fill = ctx.progress.task(`pg-boss: enqueue backlog of ${jobs} jobs`, jobs);
  for (let i = 0; i < jobs; i += 1000) {
    const n = Math.min(1000, jobs - i);
    await boss.insert(queue, Array.from({ length: n }, (_, k) => ({ data: { i: i + k } })));
    fill.increment(n);
  }
  fill.done();
  // A backlog inserted in seconds outruns autovacuum: with the planner's statistics
  // still describing an empty table, pg-boss's fetch sorts the whole backlog on every
  // call (measured here: 3,800 jobs/s at 100,000 instead of 15,000). ANALYZE gives it
  // the statistics a long-running system has; the pipeline figure does the same.
  await boss.getDb().executeSql(`ANALYZE`);
  const drain = ctx.progress.task(`pg-boss: drain ${jobs} jobs (trivial handler)`, jobs);
  let handled = 0;
  const started = performance.now();
  await boss.work(queue, PG_BOSS_BASELINE.throughput, async (batch) => {
    handled += batch.length;
    drain.increment(batch.length);
  });
  await waitFor(() => handled >= jobs, 600_000, 'pg-boss drain');
  const seconds = (performance.now() - started) / 1000;
  drain.done();
  await boss.offWork(queue);
  return { jobs, seconds: round(seconds, 2), jobsPerSec: round(jobs / seconds) };
}

async function steadyLatency(ctx: BenchContext, boss: PgBoss, samples: number) {
  const queue = 'bench_latency';
  await boss.createQueue(queue, { notify: true });
  const latencies: number[] = [];
  let received = 0;
  let measuring = false;
  await boss.work<{ sentAt: number }>(queue, PG_BOSS_BASELINE.latency, async ([job]) => {
    const ms = nowMs() - job!.data.sentAt;
    received++;
    if (measuring) latencies.push(ms);
  });
  const rate = PG_BOSS_BASELINE.ratePerSec;
  const send = async () => {
    await boss.send(queue, { sentAt: nowMs() });
  };
  // One second of warm-up (connections, plans, LISTEN) that is not counted.
  await steadyRate(rate, rate, send, { maxInFlight: SENDS_IN_FLIGHT });
  // On a saturated machine the warm-up can lag (one full run: not done in 60 s); that
  // is reported with the numbers rather than losing the figure.
  const warmedUp = await waitFor(() => received >= rate, 60_000, 'pg-boss warm-up').then(() => true, () => false);
  measuring = true;
  const task = ctx.progress.task(`pg-boss: send→start latency at ${rate}/s`, samples);
  const run = await steadyRate(rate, samples, send, { onFired: (n) => task.update(n), maxInFlight: SENDS_IN_FLIGHT, stopAfterLateArrivals: lateArrivalsAllowed(samples) });
  const verdict = openLoopVerdict({ ratePerSec: rate, count: samples, fired: run.fired, firingSeconds: run.firingSeconds, lateArrivals: run.lateArrivals });
  // Jobs still unstarted 30 s after the last send are reported, not waited for forever.
  const complete = await waitFor(() => latencies.length >= run.fired, 30_000, 'pg-boss latency run').then(() => true, () => false);
  task.done();
  await boss.offWork(queue);
  return {
    ratePerSec: rate,
    achievedRatePerSec: verdict.achievedRatePerSec,
    verdict,
    lateStarts: run.lateStarts,
    lateArrivals: run.lateArrivals,
    fired: run.fired,
    notStartedWithin30s: run.fired - latencies.length,
    warmedUp,
    complete,
    ...summarizeLatencies(latencies),
  };
}

async function openBoss(ctx: BenchContext, suffix: string, max = 10): Promise<PgBoss> {
  // A schema per half and per round: no run starts on a job table holding another
  // run's dead rows (the drain leaves N completed jobs behind).
  // Its pool keeps idle connections as accrue's do.
  const boss = new PgBoss(
    keepingConnections({
      connectionString: ctx.url,
      schema: `${PG_BOSS_BASELINE.schema}_${suffix}_r${ctx.round}`,
      useListenNotify: true,
      supervise: false,
      schedule: false,
      max,
    }),
  );
  boss.on('error', (err) => ctx.note(`pg-boss error: ${err.message}`));
  boss.on('warning', (w) => ctx.note(`pg-boss warning: ${w.message}`));
  await boss.start();
  return boss;
}

/**
 * Stops the instance and drops its schema: three rounds would otherwise leave 300,000
 * completed jobs behind, which every later ANALYZE of the bench database reads.
 */
async function closeBoss(ctx: BenchContext, boss: PgBoss, suffix: string): Promise<void> {
  await boss.stop({ graceful: false });
  const c = new pg.Client({ connectionString: ctx.url });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS ${PG_BOSS_BASELINE.schema}_${suffix}_r${ctx.round} CASCADE`).finally(() => c.end());
}

/**
 * Issue 6 figure 2a: bare pg-boss, trivial handler, N jobs drained (jobs/s). Its own
 * figure so each round runs it right before the pipeline drains it is the baseline of.
 * report.ts puts it under the `pgBoss` key.
 */
export const pgBossDrain: Figure = {
  key: 'pgBossDrain',
  title: 'Baseline: bare pg-boss drain',
  async run(ctx) {
    const boss = await openBoss(ctx, 'drain');
    const throughput = await drainBacklog(ctx, boss, ctx.events).finally(() => closeBoss(ctx, boss, 'drain'));
    return { status: 'measured', summary: { jobsPerSec: throughput.jobsPerSec }, detail: { ...throughput, settings: PG_BOSS_BASELINE.throughput } };
  },
};

/**
 * Issue 6 figure 2b: bare pg-boss send → handler start at a steady 200/s, 6,000 sends a
 * round (quick 1,000; issue 6 ran 10,000 once), right before
 * the e2e figures of the same round. Invalid (nulls) when the sends could not hold
 * the rate (openLoopVerdict). report.ts puts it under the `pgBoss` key.
 */
export const pgBossLatency: Figure = {
  key: 'pgBossLatency',
  title: 'Baseline: bare pg-boss send → start latency',
  async run(ctx) {
    const boss = await openBoss(ctx, 'latency', SENDS_IN_FLIGHT + 4);
    const latency = await steadyLatency(ctx, boss, ctx.quick ? 1_000 : 6_000).finally(() => closeBoss(ctx, boss, 'latency'));
    const keys = ['p50Ms', 'p95Ms', 'p99Ms', 'maxMs'];
    const detail = { latency, settings: PG_BOSS_BASELINE.latency, ratePerSec: PG_BOSS_BASELINE.ratePerSec, sendsInFlight: SENDS_IN_FLIGHT };
    if (!latency.verdict.valid) return invalid(keys, latency.verdict.reason!, detail);
    return {
      status: 'measured',
      note: [
        latency.warmedUp ? '' : 'the warm-up jobs had not all started within 60 s',
        latency.complete ? '' : `${latency.notStartedWithin30s} of the latency jobs had not started 30 s after the last send`,
      ].filter(Boolean).join('; ') || undefined,
      summary: { p50Ms: latency.p50Ms, p95Ms: latency.p95Ms, p99Ms: latency.p99Ms, maxMs: latency.maxMs },
      detail,
    };
  },
};
