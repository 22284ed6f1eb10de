import { sql } from 'kysely';
import type { Executor } from '../db/connect.ts';
import type { QueueJobCount } from './metrics.ts';

/**
 * Ready-made scrape sources for setScrapeSources(). Each is one cheap query:
 * the outbox is small when the relay keeps up and `recorded_at` of its oldest row
 * is found through the primary key order (positions are assigned in insert order).
 */
export function outboxLagSeconds(db: Executor): () => Promise<number> {
  return async () => {
    const r = await sql<{ lag: number | null }>`
      SELECT extract(epoch FROM clock_timestamp() - recorded_at)::float8 AS lag
      FROM outbox ORDER BY position LIMIT 1`.execute(db);
    return Math.max(0, r.rows[0]?.lag ?? 0);
  };
}

/** The subset of pg-boss's getQueues() result these metrics read. */
type QueueCounts = {
  name: string;
  deferredCount: number;
  blockedCount: number;
  readyCount: number;
  activeCount: number;
  failedCount: number;
};

/** Jobs per queue and state from pg-boss (`boss.getQueues()`), one series per state. */
export function queueJobsFromBoss(boss: { getQueues(): Promise<QueueCounts[]> }): () => Promise<QueueJobCount[]> {
  return async () =>
    (await boss.getQueues()).flatMap((q) => [
      { queue: q.name, state: 'ready', count: q.readyCount },
      { queue: q.name, state: 'deferred', count: q.deferredCount },
      { queue: q.name, state: 'blocked', count: q.blockedCount },
      { queue: q.name, state: 'active', count: q.activeCount },
      { queue: q.name, state: 'failed', count: q.failedCount },
    ]);
}
