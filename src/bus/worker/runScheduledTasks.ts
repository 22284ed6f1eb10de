import type { PgBoss } from 'pg-boss';
import type { ScheduledTask, Subscriber } from '../contract/subscriber.ts';
import type { Db } from '../../db/connect.ts';
import type { Logger } from '../../telemetry/logger.ts';

/**
 * Registers each subscriber's schedules with pg-boss and works their queues. pg-boss
 * creates one job per cron occurrence across all instances; a tick runs its task in
 * one transaction and is retried by pg-boss if it throws.
 */
export async function runScheduledTasks(
  boss: PgBoss,
  db: Db,
  subscribers: readonly Subscriber[],
  options: { polling: { pollingIntervalSeconds: number; notifyPollingIntervalSeconds: number }; log: Logger; extra?: readonly ScheduledTask[]; now: () => Date },
): Promise<void> {
  const names = new Set(subscribers.map((s) => s.name));
  const tasks = [...subscribers.flatMap((s) => s.schedules ?? []), ...(options.extra ?? [])];
  for (const task of tasks) {
    if (names.has(task.name)) throw new Error(`schedule ${task.name} collides with a subscriber queue`);
    await boss.createQueue(task.name, { retryLimit: 3, retryDelay: 10, retryBackoff: true, notify: true });
    await boss.schedule(task.name, task.cron, null, { tz: task.tz ?? 'UTC' });
    const log = options.log.child({ schedule: task.name });
    await boss.work(task.name, { ...options.polling }, async () => {
      await db.transaction().execute((tx) => task.run({ db: tx, log, now: options.now() }));
    });
  }
}
