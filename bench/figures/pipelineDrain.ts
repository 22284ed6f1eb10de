import type { Figure } from '../lib/types.ts';
import { drainPipeline } from '../lib/drainPipeline.ts';

/**
 * Issue 6 figure 4: ctx.events invoice events already in the outbox moved through
 * relay, queue and the revenue subscriber into the ledger; events/s. Relay and
 * worker are separate processes with the default bus settings (src/config.ts), as
 * `accrue relay` + `accrue worker` run them; timed from the relay's start until
 * waitUntilDrained(). run.ts divides by the bare pg-boss drain of the same N.
 */
export const pipelineDrain: Figure = {
  key: 'pipeline',
  title: 'accrue pipeline drain (outbox → ledger)',
  async run(ctx) {
    const r = await drainPipeline(ctx, ctx.events, { label: 'pipeline', prefix: 'drain', sampleRss: true });
    return {
      status: 'measured',
      summary: { eventsPerSec: r.eventsPerSec },
      detail: { ...r, workerRssMb: r.workerRssMb && { idle: r.workerRssMb.idle, peak: r.workerRssMb.peak } },
      note: r.failedAttempts > 0 ? `${r.failedAttempts} failed attempts during the drain` : undefined,
    };
  },
};
