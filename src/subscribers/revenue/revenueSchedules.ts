import type { SubscriberContext } from '../../bus/contract/subscriber.ts';
import { todayUtc } from '../../values/dates.ts';
import { holdPeriodsShared } from './ledger/periodLocks.ts';
import { recognizeThrough } from './runDailyRecognition.ts';

/**
 * A job the worker runs on a pg-boss schedule, in a transaction it opens (the
 * shape of the bus's ScheduledTask: name, cron, tz, run(ctx)).
 */
export type RevenueSchedule = {
  name: string;
  cron: string;
  tz: string;
  run(ctx: SubscriberContext): Promise<void>;
};

/**
 * The daily recognition run. 00:05 UTC: the day that just ended has passed (a few
 * minutes' margin for clocks). In the worker's transaction it is all or nothing,
 * and idempotent: a rerun or a second worker's tick finds nothing due. For a
 * batch-by-batch run outside a transaction use runDailyRecognition(db, today).
 */
export const revenueSchedules: readonly RevenueSchedule[] = [
  {
    name: 'revenue-daily-recognition',
    cron: '5 0 * * *',
    tz: 'UTC',
    async run(ctx) {
      const today = todayUtc(ctx.now);
      await holdPeriodsShared(ctx.db);
      const run = await recognizeThrough(ctx.db, today, `daily-recognition:${today}`);
      ctx.log.info({ today, lines: run.lines, entries: run.entries }, 'daily revenue recognition');
    },
  },
];
