import { pending, type Figure } from '../lib/types.ts';

/**
 * Issue 6 figure 5: event committed → revenue ledger committed at a steady 200
 * invoice events/s, p50/p95/p99/max over >= 10,000 events (quick: 1,000).
 *
 * Pending: needs relay, worker and revenue ledger. To plug in: relay + worker
 * running; steadyRate(200, n, …) (bench/lib/steadyRate.ts) appends one event per
 * call; latency per event = ledger row's commit time − event recorded_at, both read
 * from the database afterwards (one clock, no client-side skew). Summarize with
 * summarizeLatencies() and return { ratePerSec, p50Ms, p95Ms, p99Ms, maxMs, samples }.
 */
export const endToEndLatency: Figure = {
  key: 'e2e',
  title: 'accrue end-to-end latency at 200 events/s',
  async run() {
    return pending(
      { ratePerSec: 200, p50Ms: null, p95Ms: null, p99Ms: null, maxMs: null, samples: 0 },
      'not measured (pending): needs relay, worker and revenue ledger',
    );
  },
};
