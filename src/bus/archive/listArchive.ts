import type { Executor } from '../../db/connect.ts';
import { archiveWhere, type ArchiveFilter } from './archiveFilter.ts';

export type ArchiveEntry = {
  id: number;
  jobId: string;
  queue: string;
  subscriber: string;
  eventId: string | null;
  eventType: string | null;
  payload: unknown;
  poison: boolean;
  errorMessage: string;
  errorStack: string | null;
  attempts: number;
  firstAttemptAt: string | null;
  lastAttemptAt: string | null;
  archivedAt: string;
  replayCount: number;
  lastReplayedAt: string | null;
};

/**
 * Archived failed jobs matching the filter, oldest first, `limit` (default 100) at a
 * time after archive id `after`; `total` counts every match.
 */
export async function listArchive(
  db: Executor,
  filter: ArchiveFilter,
  page: { after?: number } = {},
): Promise<{ items: ArchiveEntry[]; total: number }> {
  const where = archiveWhere(filter, { onlyNotReplayed: false });
  const [rows, count] = await Promise.all([
    db
      .selectFrom('failed_job_archive')
      .selectAll()
      .where(where)
      .where('id', '>', page.after ?? 0)
      .orderBy('id')
      .limit(filter.limit ?? 100)
      .execute(),
    db.selectFrom('failed_job_archive').select((eb) => eb.fn.countAll<number>().as('n')).where(where).executeTakeFirstOrThrow(),
  ]);
  return {
    total: Number(count.n),
    items: rows.map((r) => ({
      id: r.id,
      jobId: r.job_id,
      queue: r.queue,
      subscriber: r.subscriber,
      eventId: r.event_id,
      eventType: r.event_type,
      payload: r.payload,
      poison: r.poison,
      errorMessage: r.error_message,
      errorStack: r.error_stack,
      attempts: r.attempts,
      firstAttemptAt: r.first_attempt_at ? new Date(r.first_attempt_at).toISOString() : null,
      lastAttemptAt: r.last_attempt_at ? new Date(r.last_attempt_at).toISOString() : null,
      archivedAt: new Date(r.archived_at).toISOString(),
      replayCount: r.replay_count,
      lastReplayedAt: r.last_replayed_at ? new Date(r.last_replayed_at).toISOString() : null,
    })),
  };
}
