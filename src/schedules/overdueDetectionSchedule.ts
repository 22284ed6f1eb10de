import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { Database } from '../db/schema.ts';
import { todayUtc } from '../lib/dates.ts';
import { detectOverdueInvoices } from './detectOverdueInvoices.ts';

/** A recurring job: what the worker registers with boss.schedule + boss.work. */
export type ScheduledTask = {
  queue: string;
  /** pg-boss cron expression, evaluated in `tz`. */
  cron: string;
  tz: 'UTC';
  /** One tick. Safe to run twice or concurrently (a tick may be retried or missed). */
  run(deps: { db: Kysely<Database>; log: Logger; now: Date }): Promise<unknown>;
};

export const OVERDUE_DETECTION_QUEUE = 'overdue-detection';

/** Overdue detection, hourly by default (ACCRUE_OVERDUE_CRON); a day's business date is its UTC day. */
export function overdueDetectionSchedule(config: Pick<Config, 'ACCRUE_OVERDUE_CRON'>): ScheduledTask {
  return {
    queue: OVERDUE_DETECTION_QUEUE,
    cron: config.ACCRUE_OVERDUE_CRON,
    tz: 'UTC',
    async run({ db, log, now }) {
      const today = todayUtc(now);
      const result = await detectOverdueInvoices(db, today);
      log.info({ today, ...result }, `overdue detection: ${result.detected} invoice(s) became overdue`);
      return result;
    },
  };
}
