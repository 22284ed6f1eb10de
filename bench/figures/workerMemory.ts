import type { Figure } from '../lib/types.ts';
import { drainPipeline, drainsThisRun, type DrainResult } from '../lib/drainPipeline.ts';
import { rssGrowsWithN } from '../lib/rss.ts';
import { round } from '../lib/stats.ts';

/**
 * Issue 6 figure 6: the worker's RSS (its own process: bench/lib/busProcess.ts,
 * sampled from /proc every 100 ms) while it drains N/10 and N invoice events through
 * the revenue subscriber (at least 500: shorter drains end before the heap settles);
 * peak, and whether the peak grows with N (rssGrowsWithN:
 * > 15 % and > 20 MiB higher at 10x the events). The drain of N is the pipeline
 * figure's when it ran in this run (its worker is sampled the same way).
 */
export const workerMemory: Figure = {
  key: 'worker',
  title: 'Worker RSS while draining (two sizes)',
  async run(ctx) {
    const small = Math.max(500, Math.round(ctx.events / 10));
    const smallRun = await drainPipeline(ctx, small, { label: `worker RSS (${small} events)`, prefix: 'rss_small', sampleRss: true });
    const largeRun = drainsThisRun.get(ctx.events)
      ?? (await drainPipeline(ctx, ctx.events, { label: `worker RSS (${ctx.events} events)`, prefix: 'rss_large', sampleRss: true }));
    const peak = (r: DrainResult) => r.workerRssMb!.peak;
    const describe = (r: DrainResult) => ({
      events: r.events,
      seconds: r.seconds,
      idleMb: r.workerRssMb!.idle,
      peakMb: peak(r),
      // Every 10th sample (1 s apart): enough to see a slope.
      seriesMb: r.workerRssMb!.samples.filter((_, i) => i % 10 === 0),
    });
    return {
      status: 'measured',
      summary: { peakRssMb: round(Math.max(peak(smallRun), peak(largeRun))), rssGrowsWithN: rssGrowsWithN(peak(smallRun), peak(largeRun)) },
      detail: { small: describe(smallRun), large: describe(largeRun) },
    };
  },
};
