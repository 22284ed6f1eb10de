import type { Executor } from '../../db/connect.ts';
import type { ScrapeSources } from '../../telemetry/metrics.ts';
import { getStatus, type BusStatus } from './getStatus.ts';

/**
 * What /metrics reports about the pipeline, from the same exact counts as
 * `accrue status` (pg-boss's getQueues() caches counts for up to 60 s). One status
 * read serves a whole scrape: the three gauges share it for a second.
 */
export function busScrapeSources(db: Executor): ScrapeSources {
  let cached: { at: number; status: Promise<BusStatus> } | undefined;
  const status = () => {
    if (!cached || Date.now() - cached.at > 1000) cached = { at: Date.now(), status: getStatus(db, { countCompleted: false }) };
    return cached.status;
  };
  return {
    relayLagSeconds: async () => (await status()).outbox.oldestPendingSeconds,
    queueJobs: async () =>
      Object.entries((await status()).queues).flatMap(([queue, counts]) =>
        (['created', 'retry', 'active', 'failed'] as const).map((state) => ({ queue, state, count: counts[state] })),
      ),
    archiveSize: async () => (await status()).archive.total,
    breakerStates: async () =>
      Object.entries((await status()).breakers).map(([name, b]) => ({ name, state: b.state === 'half_open' ? ('halfOpen' as const) : b.state })),
  };
}
