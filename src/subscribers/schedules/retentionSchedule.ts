import type { Config } from '../../config.ts';
import type { ScheduledTask } from '../../bus/contract/subscriber.ts';
import { pruneBookkeeping } from '../../bus/operator/pruneBookkeeping.ts';

export const RETENTION_QUEUE = 'retention';

/** Prunes inbox rows and completed jobs past ACCRUE_RETENTION_DAYS, hourly by default (ACCRUE_RETENTION_CRON). */
export function retentionSchedule(config: Pick<Config, 'ACCRUE_RETENTION_CRON' | 'ACCRUE_RETENTION_DAYS'>): ScheduledTask {
  return {
    name: RETENTION_QUEUE,
    cron: config.ACCRUE_RETENTION_CRON,
    tz: 'UTC',
    async run({ db, log, now }) {
      const result = await pruneBookkeeping(db, { now, retentionDays: config.ACCRUE_RETENTION_DAYS });
      log.info(result, `retention: ${result.inboxRows} inbox row(s), ${result.completedJobs} completed job(s) pruned`);
    },
  };
}
