import { sql } from 'kysely';
import type { Executor } from '../../db/connect.ts';
import { BOSS_SCHEMA } from '../../db/giveBossSchema.ts';

export type PruneResult = { inboxRows: number; completedJobs: number; cutoff: string };

/** What is older than this (`retentionDays` before `now`) the pruning deletes. */
export function retentionCutoff(now: Date, retentionDays: number): Date {
  return new Date(now.getTime() - retentionDays * 86_400_000);
}

/**
 * Deletes bookkeeping older than the retention window (issue 15): inbox rows processed
 * before `cutoff` and pg-boss jobs completed before it, `batchSize` rows a statement so
 * no statement holds many locks or long. Nothing else: events, ledger entries, the
 * failed-job archive (and pg-boss's failed jobs) are the record and are never pruned.
 *
 * An inbox row only matters while its event can still be delivered again: a completed
 * job is not redelivered, a replay re-enqueues failed jobs (which have no inbox row),
 * and a rebuild forgets the rows it replays anyway; the subscribers' own tables also
 * drop repeats (revenue_book_events, delivery keys, commuting analytics writes).
 * pg-boss's per-queue retained count is recounted by its next maintenance walk.
 */
export async function pruneBookkeeping(db: Executor, options: { now: Date; retentionDays: number; batchSize?: number }): Promise<PruneResult> {
  const cutoff = retentionCutoff(options.now, options.retentionDays);
  const batchSize = options.batchSize ?? 10_000;
  let inboxRows = 0;
  for (;;) {
    const r = await sql`
      DELETE FROM inbox WHERE ctid = ANY(ARRAY(
        SELECT ctid FROM inbox WHERE processed_at < ${cutoff} LIMIT ${batchSize}))`.execute(db);
    const n = Number(r.numAffectedRows ?? 0);
    inboxRows += n;
    if (n < batchSize) break;
  }
  let completedJobs = 0;
  const installed = await sql<{ ok: boolean }>`SELECT to_regclass(${`${BOSS_SCHEMA}.job`}) IS NOT NULL AS ok`.execute(db);
  if (installed.rows[0]?.ok) {
    const job = sql.table(`${BOSS_SCHEMA}.job`);
    for (;;) {
      const r = await sql`
        DELETE FROM ${job} WHERE (name, id) IN (
          SELECT name, id FROM ${job} WHERE state = 'completed' AND completed_on < ${cutoff} LIMIT ${batchSize})`.execute(db);
      const n = Number(r.numAffectedRows ?? 0);
      completedJobs += n;
      if (n < batchSize) break;
    }
  }
  // The relays' own delivery counts (one row per minute and relay session) follow the completed jobs they stand beside.
  await sql`DELETE FROM relay_direct_deliveries WHERE minute < ${cutoff}`.execute(db);
  return { inboxRows, completedJobs, cutoff: cutoff.toISOString() };
}
