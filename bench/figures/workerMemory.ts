import { pending, type Figure } from '../lib/types.ts';

/**
 * Issue 6 figure 6: worker RSS sampled while draining, at two sizes (N and 10 N,
 * quick: smaller), peak and whether it grows with N.
 *
 * Pending: needs the worker process (bus branch). To plug in: spawn `accrue worker`
 * as a child against ctx.url, fill the queues, sampleRss(child.pid) while it drains
 * (bench/lib/rss.ts), at both sizes; return { peakRssMb, rssGrowsWithN:
 * rssGrowsWithN(peakSmall, peakLarge) } with both series in detail.
 */
export const workerMemory: Figure = {
  key: 'worker',
  title: 'Worker RSS while draining (two sizes)',
  async run() {
    return pending({ peakRssMb: null, rssGrowsWithN: null }, 'not measured (pending): needs the worker process');
  },
};
