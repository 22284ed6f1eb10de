import type { Config } from '../../config.ts';
import type { ScheduledTask } from '../../bus/contract/subscriber.ts';
import { createHistoryPartitions } from '../../db/createHistoryPartitions.ts';

export const HISTORY_PARTITIONS_QUEUE = 'history-partitions';

/**
 * Creates the monthly partitions of the history tables ahead of time (this month and
 * ACCRUE_PARTITION_MONTHS_AHEAD more), hourly by default (ACCRUE_PARTITION_CRON), so a
 * month's partition exists long before its first entry; warns when a DEFAULT partition
 * holds rows (an entry dated past the months made ahead, or a month that was blocked).
 */
export function historyPartitionSchedule(config: Pick<Config, 'ACCRUE_PARTITION_CRON' | 'ACCRUE_PARTITION_MONTHS_AHEAD'>): ScheduledTask {
  return {
    name: HISTORY_PARTITIONS_QUEUE,
    cron: config.ACCRUE_PARTITION_CRON,
    tz: 'UTC',
    async run({ db, log, now }) {
      const result = await createHistoryPartitions(db, { now, monthsAhead: config.ACCRUE_PARTITION_MONTHS_AHEAD });
      const created = result.months.filter((m) => m.status === 'created').map((m) => m.partition);
      const blocked = result.months.filter((m) => m.status === 'blocked').map((m) => m.partition);
      if (created.length) log.info({ created }, `history partitions: created ${created.join(', ')}`);
      const inDefault = Object.entries(result.defaultRows).filter(([, n]) => n > 0);
      if (blocked.length || inDefault.length) {
        log.warn({ blocked, defaultRows: result.defaultRows }, 'history partitions: rows in a DEFAULT partition (see docs/scaling.md, "Partitioned history")');
      }
    },
  };
}
