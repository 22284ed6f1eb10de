import type { Config } from '../config.ts';
import type { SubscriberContext } from '../bus/subscriber.ts';
import { todayUtc } from '../lib/dates.ts';
import { detectOverdueInvoicesInTransaction } from './detectOverdueInvoices.ts';

/**
 * A recurring job: pg-boss queue `name`, a cron schedule on it, and `run` per tick.
 * The same shape as the bus's ScheduledTask (a subscriber's `schedules`), so the
 * worker registers it with the subscribers' own (src/worker/runScheduledTasks.ts).
 */
export type ScheduledTask = {
  /** Queue and schedule name. */
  name: string;
  /** pg-boss cron expression, evaluated in `tz`. */
  cron: string;
  tz: string;
  /** One tick, in the transaction its registrar opened for it. Safe to run twice or concurrently. */
  run(ctx: SubscriberContext): Promise<void>;
};

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
