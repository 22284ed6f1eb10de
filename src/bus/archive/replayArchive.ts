import { sql } from 'kysely';
import { fromKysely, type PgBoss } from 'pg-boss';
import { uuidv7 } from '../../values/uuidv7.ts';
import type { Db, Executor } from '../../db/connect.ts';
import { appendEvents, type EventContext } from '../../events/appendEvents.ts';
import { todayUtc } from '../../values/dates.ts';
import { archiveWhere, type ArchiveFilter } from './archiveFilter.ts';

export type ReplayResult = { matched: number; replayed: number; dryRun: boolean };

const CHUNK = 500;
// Replays take turns per chunk (see below); any constant unique to this use.
const REPLAY_LOCK = 7_301_998_002;

/**
 * Sends archived jobs back to their queues as new jobs. Each chunk takes a
 * transaction-scoped advisory lock, reads its rows, inserts the jobs and appends one
 * failed_job_replays row per job in one transaction; a trigger on that table (run as
 * the owner) bumps the archive's replay_count, so two replays at once take turns and
 * the second finds the rows already replayed. (Row locks would need UPDATE on the
 * archive, which the runtime role does not have: the archive is append-only.)
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
  options: { now: Date; dryRun?: boolean; onProgress?: (done: number, total: number) => void; audit?: EventContext },
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
      await sql`SELECT pg_advisory_xact_lock(${REPLAY_LOCK})`.execute(tx);
      const rows = await tx
        .selectFrom('failed_job_archive')
        .select(['id', 'queue', 'payload'])
        .where(where)
        .where('id', '>', after)
        .orderBy('id')
        .limit(take)
        .execute();
      if (rows.length === 0) return { count: 0, last: after };
      const sent = rows.map((r) => ({ ...r, jobId: uuidv7() }));
      const byQueue = new Map<string, typeof sent>();
      for (const r of sent) byQueue.set(r.queue, [...(byQueue.get(r.queue) ?? []), r]);
      const bossDb = fromKysely(tx);
      for (const [queue, jobs] of byQueue) await boss.insert(queue, jobs.map((j) => ({ id: j.jobId, data: j.payload as object })), { db: bossDb });
      await tx
        .insertInto('failed_job_replays')
        .values(sent.map((r) => ({ archive_id: r.id, job_id: r.jobId, actor: audit.actor })))
        .execute();
      await recordReplay(tx, audit, options.now, filter, matched, rows.map((r) => r.id));
      return { count: rows.length, last: rows[rows.length - 1]!.id };
    });
    if (claimed.count === 0) break;
    replayed += claimed.count;
    after = claimed.last;
    options.onProgress?.(replayed, matched);
  }
  // A replay that sent nothing is still an operator action worth a line in the audit.
  if (replayed === 0) await db.transaction().execute((tx) => recordReplay(tx, audit, options.now, filter, matched, []));
  return { matched, replayed, dryRun: false };
}

async function recordReplay(tx: Executor, audit: EventContext, now: Date, filter: ArchiveFilter, matched: number, archiveIds: number[]): Promise<void> {
  const data = { filter: replayedFilter(filter), matched, replayed: archiveIds.length, archiveIds };
  await appendEvents(tx, [{ type: 'ArchiveReplayed', aggregateId: 'archive', occurredAt: todayUtc(now), source: 'system', data }], audit);
}

/** The filter as the ArchiveReplayed event stores it (dates as ISO strings). */
function replayedFilter(filter: ArchiveFilter) {
  const { since, until, ...rest } = filter;
  return { ...rest, ...(since ? { since: since.toISOString() } : {}), ...(until ? { until: until.toISOString() } : {}) };
}
