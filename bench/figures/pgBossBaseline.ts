import { PgBoss } from 'pg-boss';
import type { BenchContext, Figure } from '../lib/types.ts';
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
  latency: { batchSize: 1, localConcurrency: 4 },
  ratePerSec: 200,
} as const;

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
  await steadyRate(rate, rate, send);
  await waitFor(() => received >= rate, 60_000, 'pg-boss warm-up');
  measuring = true;
  const task = ctx.progress.task(`pg-boss: send→start latency at ${rate}/s`, samples);
  const run = await steadyRate(rate, samples, send, { onFired: (n) => task.update(n) });
  await waitFor(() => latencies.length >= samples, 60_000, 'pg-boss latency run');
  task.done();
  await boss.offWork(queue);
  return { ratePerSec: rate, achievedRatePerSec: round(samples / run.seconds, 1), lateStarts: run.lateStarts, ...summarizeLatencies(latencies) };
}

/** Issue 6 figure 2: bare pg-boss, trivial handler: drain throughput, and send → handler start at 200/s. */
export const pgBossBaseline: Figure = {
  key: 'pgBoss',
  title: 'Baseline: bare pg-boss',
  async run(ctx) {
    const boss = new PgBoss({
      connectionString: ctx.url,
      schema: PG_BOSS_BASELINE.schema,
      useListenNotify: true,
      supervise: false,
      schedule: false,
      max: 10,
    });
    boss.on('error', (err) => ctx.note(`pg-boss error: ${err.message}`));
    await boss.start();
    try {
      const throughput = await drainBacklog(ctx, boss, ctx.events);
      const latency = await steadyLatency(ctx, boss, ctx.quick ? 1_000 : 10_000);
      return {
        status: 'measured',
        summary: { jobsPerSec: throughput.jobsPerSec, p50Ms: latency.p50Ms, p95Ms: latency.p95Ms, p99Ms: latency.p99Ms, maxMs: latency.maxMs },
        detail: { throughput, latency, settings: PG_BOSS_BASELINE },
      };
    } finally {
      await boss.stop({ graceful: false });
    }
  },
};
