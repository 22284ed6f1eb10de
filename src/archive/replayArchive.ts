import { sql } from 'kysely';
import { fromKysely, type PgBoss } from 'pg-boss';
import { uuidv7 } from 'uuidv7';
import type { Db, Executor } from '../db/connect.ts';
import { appendEvents, type EventContext } from '../events/appendEvents.ts';
import { todayUtc } from '../lib/dates.ts';
import { archiveWhere, type ArchiveFilter } from './archiveFilter.ts';

export type ReplayResult = { matched: number; replayed: number; dryRun: boolean };

const CHUNK = 500;

/**
 * Sends archived jobs back to their queues as new jobs. Each chunk claims its rows
 * FOR UPDATE SKIP LOCKED, inserts the jobs and bumps replay_count in one
 * transaction, so two replays at once split the rows rather than both sending them.
 * By default only never-replayed rows are sent, so replaying twice sends nothing
 * the second time; and when a row is sent again (includeReplayed), the worker's
 * inbox still applies each effect once. A replayed job that fails again is
 * archived as a new row. Each chunk's transaction also records ArchiveReplayed
 * (filter, matched, the archive ids it sent) with the operator as actor.
 */
export async function replayArchive(
  db: Db,
  boss: PgBoss,
  filter: ArchiveFilter,
  options: { dryRun?: boolean; onProgress?: (done: number, total: number) => void; audit?: EventContext } = {},
): Promise<ReplayResult> {
  const audit = options.audit ?? { actor: 'system', correlationId: uuidv7() };
  const where = archiveWhere(filter, { onlyNotReplayed: true });
  const counted = await db.selectFrom('failed_job_archive').select((eb) => eb.fn.countAll<number>().as('n')).where(where).executeTakeFirstOrThrow();
  const matched = Math.min(Number(counted.n), filter.limit ?? Number.MAX_SAFE_INTEGER);
  if (options.dryRun) return { matched, replayed: 0, dryRun: true };

  let replayed = 0;
  let after = 0;
  options.onProgress?.(0, matched);
  while (replayed < matched) {
    const take = Math.min(CHUNK, matched - replayed);
    const claimed = await db.transaction().execute(async (tx) => {
      const rows = await tx
        .selectFrom('failed_job_archive')
        .select(['id', 'queue', 'payload'])
        .where(where)
        .where('id', '>', after)
        .orderBy('id')
        .limit(take)
        .forUpdate()
        .skipLocked()
        .execute();
      if (rows.length === 0) return { count: 0, last: after };
      const byQueue = new Map<string, object[]>();
      for (const r of rows) byQueue.set(r.queue, [...(byQueue.get(r.queue) ?? []), r.payload as object]);
      const bossDb = fromKysely(tx);
      for (const [queue, payloads] of byQueue) await boss.insert(queue, payloads.map((data) => ({ data })), { db: bossDb });
      await tx
        .updateTable('failed_job_archive')
        .set({ replay_count: sql`replay_count + 1`, last_replayed_at: sql`now()` })
        .where('id', 'in', rows.map((r) => r.id))
        .execute();
      await recordReplay(tx, audit, filter, matched, rows.map((r) => r.id));
      return { count: rows.length, last: rows[rows.length - 1]!.id };
    });
    if (claimed.count === 0) break;
    replayed += claimed.count;
    after = claimed.last;
    options.onProgress?.(replayed, matched);
  }
  // A replay that sent nothing is still an operator action worth a line in the audit.
  if (replayed === 0) await db.transaction().execute((tx) => recordReplay(tx, audit, filter, matched, []));
  return { matched, replayed, dryRun: false };
}

async function recordReplay(tx: Executor, audit: EventContext, filter: ArchiveFilter, matched: number, archiveIds: number[]): Promise<void> {
  const data = { filter: replayedFilter(filter), matched, replayed: archiveIds.length, archiveIds };
  await appendEvents(tx, [{ type: 'ArchiveReplayed', aggregateId: 'archive', occurredAt: todayUtc(new Date()), source: 'system', data }], audit);
}

/** The filter as the ArchiveReplayed event stores it (dates as ISO strings). */
function replayedFilter(filter: ArchiveFilter) {
  const { since, until, ...rest } = filter;
  return { ...rest, ...(since ? { since: since.toISOString() } : {}), ...(until ? { until: until.toISOString() } : {}) };
}
