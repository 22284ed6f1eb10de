import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { PgBoss } from 'pg-boss';
import type { Database } from '../db/schema.ts';
import type { ScheduledTask } from './overdueDetectionSchedule.ts';

/**
 * Creates each task's queue, (re)writes its schedule and starts a worker for it.
 * Every process may call this: pg-boss keeps one schedule row per queue and its
 * cron pass sends one job per tick, and the 'singleton' policy runs at most one of
 * them at a time. missed: 'once' runs one catch-up tick after downtime.
 * Returns the worker ids (for boss.offWork on shutdown).
 */
export async function registerSchedules(
  boss: PgBoss,
  tasks: readonly ScheduledTask[],
  deps: { db: Kysely<Database>; log: Logger; clock?: () => Date },
): Promise<string[]> {
  const clock = deps.clock ?? (() => new Date());
  const workers: string[] = [];
  for (const task of tasks) {
    await boss.createQueue(task.name, { policy: 'singleton', retryLimit: 3, retryDelay: 60, retryBackoff: true, expireInSeconds: 15 * 60 });
    await boss.schedule(task.name, task.cron, null, { tz: task.tz, missed: 'once' });
    const log = deps.log.child({ schedule: task.name });
    workers.push(
      await boss.work(task.name, async (jobs) => {
        // One transaction per tick, as the worker's runScheduledTasks: the task writes in it.
        for (const _job of jobs) await deps.db.transaction().execute((tx) => task.run({ db: tx, log, now: clock() }));
      }),
    );
  }
  return workers;
}
