import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { todayUtc } from '../lib/dates.ts';
import { runDailyRecognition, type RecognitionRun } from './runDailyRecognition.ts';

/** A job the bus runs on a pg-boss schedule (cron in UTC). */
export type RevenueSchedule = {
  name: string;
  cron: string;
  run(db: Kysely<Database>, now: Date): Promise<RecognitionRun>;
};

// 00:05 UTC: the day that just ended has passed; a few minutes' margin for clocks.
export const revenueSchedules: readonly RevenueSchedule[] = [
  {
    name: 'revenue-daily-recognition',
    cron: '5 0 * * *',
    run: (db, now) => runDailyRecognition(db, todayUtc(now)),
  },
];
