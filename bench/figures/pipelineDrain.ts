import type { Figure } from '../lib/types.ts';
import { scratchDatabase } from '../lib/benchDatabase.ts';
import { drainPipeline } from '../lib/drainPipeline.ts';

/**
 * Issue 6 figure 4: ctx.events invoice events already in the outbox moved through
 * relay, queue and the revenue subscriber into the ledger; events/s. Relay and
 * worker are separate processes with the default bus settings (src/config.ts), as
 * `accrue relay` + `accrue worker` run them; timed from the relay's start until
 * waitUntilDrained(). report.ts divides by the bare pg-boss drain of the same N
 * measured just before it in the same round.
 */
export const pipelineDrain: Figure = {
  key: 'pipeline',
  title: 'accrue pipeline drain (outbox → ledger)',
  async run(ctx) {
    const r = await drainPipeline(ctx, ctx.events, { label: 'pipeline', prefix: `drain_r${ctx.round}`, sampleRss: true });
    return {
      status: 'measured',
      summary: { eventsPerSec: r.eventsPerSec },
      detail: { ...r, workerRssMb: r.workerRssMb && { idle: r.workerRssMb.idle, peak: r.workerRssMb.peak } },
      note: r.failedAttempts > 0 ? `${r.failedAttempts} failed attempts during the drain` : undefined,
    };
  },
};

/**
 * Issue 10: the same drain with the service's default subscribers (revenue,
 * notifications to a file, analytics), as `accrue worker` runs them. Events/s, where
 * the relay fans each event out to every subscriber of its type (detail.jobsPerEvent:
 * analytics and revenue take every invoice event, notifications the InvoicePaid ones).
 * N/2 events (at least 2,000 or N): it is the slowest drain of the run. It was N/10
 * (issue 10's first measurement: ~150 events/s on a loaded 2-core machine), but a drain
 * has a fixed cost whatever its size — cold code in the worker, pool connections opened
 * during it, pg-boss's maintenance and the bench's polls by the second: ~0.9–1.2 s of
 * CPU, measured at 3,000 and 30,000 events (docs/performance.md, thirteenth step) —
 * which at 10,000 events weighed ~10–20 % of the figure while the pg-boss drain it is
 * compared with, and the revenue-only drain, run N. At N/2 it is ~2–4 %. In a scratch
 * database of its own (with pg-boss installed): relays route by the subscriptions
 * table, and the notifications and analytics rows this drain registers would send
 * the other drains' events to queues no revenue-only worker empties.
 */
export const pipelineAll: Figure = {
  key: 'pipelineAll',
  title: 'accrue pipeline drain, all default subscribers',
  async run(ctx) {
    const events = Math.max(Math.min(2_000, ctx.events), Math.round(ctx.events / 2));
    const db = await scratchDatabase(ctx.adminUrl, 'accrue_bench_all', { pgBoss: true });
    const r = await drainPipeline({ ...ctx, url: db.url }, events, { label: 'pipeline, all subscribers', prefix: `all_r${ctx.round}`, subscribers: 'all' }).finally(() =>
      db.drop(),
    );
    return {
      status: 'measured',
      summary: { eventsPerSec: r.eventsPerSec },
      detail: r,
      note: r.failedAttempts > 0 ? `${r.failedAttempts} failed attempts during the drain` : undefined,
    };
  },
};
