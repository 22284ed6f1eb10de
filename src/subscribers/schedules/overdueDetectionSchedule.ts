import type { Config } from '../../config.ts';
import type { ScheduledTask } from '../../bus/contract/subscriber.ts';
import { todayUtc } from '../../values/dates.ts';
import { detectOverdueInvoicesInTransaction } from './detectOverdueInvoices.ts';

export const OVERDUE_DETECTION_QUEUE = 'overdue-detection';

/** Overdue detection, hourly by default (ACCRUE_OVERDUE_CRON); the business day is the tick's UTC day. */
export function overdueDetectionSchedule(config: Pick<Config, 'ACCRUE_OVERDUE_CRON'>): ScheduledTask {
  return {
    name: OVERDUE_DETECTION_QUEUE,
    cron: config.ACCRUE_OVERDUE_CRON,
    tz: 'UTC',
    async run({ db, log, now }) {
      const today = todayUtc(now);
      const result = await detectOverdueInvoicesInTransaction(db, today);
      log.info({ today, ...result }, `overdue detection: ${result.detected} invoice(s) became overdue`);
    },
  };
}
