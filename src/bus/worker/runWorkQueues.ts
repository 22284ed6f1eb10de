import { fromKysely, type PgBoss } from 'pg-boss';
import type { Enqueue, Subscriber } from '../contract/subscriber.ts';
import type { Db } from '../../db/connect.ts';
import type { Logger } from '../../telemetry/logger.ts';

/** SubscriberContext.enqueue / WorkQueueContext.enqueue on `boss`: pg-boss insert on the caller's transaction. */
export function bossEnqueue(boss: PgBoss): Enqueue {
  return async (db, queue, jobs) => {
    if (jobs.length === 0) return;
    const rows = jobs.map((j) => ({
      data: j.data,
      ...(j.startAfterSeconds !== undefined && j.startAfterSeconds > 0 ? { startAfter: j.startAfterSeconds } : {}),
      ...(j.group ? { group: { id: j.group } } : {}),
    }));
    await boss.insert(queue, rows, { db: fromKysely(db as Parameters<typeof fromKysely>[0]) });
  };
}

/** The names of every subscriber's own queues (Subscriber.queues). */
export function workQueueNames(subscribers: readonly Subscriber[]): string[] {
  return subscribers.flatMap((s) => (s.queues ?? []).map((q) => q.name));
}

/**
 * Works every subscriber's own queues: one job per handler call, `concurrency` at
 * once in this process, at most `groupConcurrency` of one group in this process
 * (pg-boss skips a group at its limit when it fetches, so a slow group leaves the
 * other slots to the rest). A handler that throws fails its job: pg-boss retries it.
 */
export async function runWorkQueues(
  boss: PgBoss,
  db: Db,
  subscribers: readonly Subscriber[],
  options: { polling: { pollingIntervalSeconds: number; notifyPollingIntervalSeconds: number }; log: Logger; now: () => Date },
): Promise<void> {
  const enqueue = bossEnqueue(boss);
  for (const queue of subscribers.flatMap((s) => s.queues ?? [])) {
    const log = options.log.child({ queue: queue.name });
    await boss.work(
      queue.name,
      {
        ...options.polling,
        batchSize: 1,
        localConcurrency: queue.concurrency,
        // pg-boss's in-memory count, exact within this process. Its database-wide
        // groupConcurrency (the one or the other, not both) lets two fetches at the same
        // moment each see room for one more, so it bounds nothing exactly.
        ...(queue.groupConcurrency ? { localGroupConcurrency: queue.groupConcurrency } : {}),
      },
      async (jobs) => {
        for (const job of jobs) await queue.work({ id: job.id, retryCount: (job as { retryCount?: number }).retryCount ?? 0, data: job.data }, { db, log, now: options.now, enqueue });
      },
    );
  }
}
