import type { Config } from '../../config.ts';
import type { ScheduledTask, Subscriber } from '../../bus/contract/subscriber.ts';
import { takeProjectionSnapshot, takesSnapshots } from '../../bus/operator/projectionSnapshots.ts';
import { retentionCutoff } from '../../bus/operator/pruneBookkeeping.ts';

export const PROJECTION_SNAPSHOT_QUEUE = 'projection-snapshots';

/** Snapshots every subscriber that declares them (ACCRUE_SNAPSHOT_CRON), each in the tick's transaction. */
export function projectionSnapshotSchedule(config: Pick<Config, 'ACCRUE_SNAPSHOT_CRON' | 'ACCRUE_RETENTION_DAYS'>, subscribers: readonly Subscriber[]): ScheduledTask {
  return {
    name: PROJECTION_SNAPSHOT_QUEUE,
    cron: config.ACCRUE_SNAPSHOT_CRON,
    tz: 'UTC',
    async run({ db, log, now }) {
      // An event recorded after retention's cutoff was processed after it, so retention has
      // not pruned its inbox row; an hour's margin for clocks.
      const inboxKeptSince = new Date(retentionCutoff(now, config.ACCRUE_RETENTION_DAYS).getTime() + 3_600_000);
      for (const subscriber of subscribers.filter(takesSnapshots)) {
        const taken = await takeProjectionSnapshot(db, subscriber, { inboxKeptSince });
        log.info({ subscriber: subscriber.name, ...taken }, taken ? 'projection snapshot taken' : 'projection snapshot unchanged');
      }
    },
  };
}
