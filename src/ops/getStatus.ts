import { sql } from 'kysely';
import type { Executor } from '../db/connect.ts';
import { readBreakers, type BreakerState } from './readBreakers.ts';

export type QueueCounts = { created: number; retry: number; active: number; completed: number; failed: number; cancelled: number };

export type BusStatus = {
  outbox: { pending: number; oldestPendingSeconds: number };
  queues: Record<string, QueueCounts>;
  archive: { total: number; notReplayed: number };
  breakers: Record<string, BreakerState>;
  /** outbox.pending is 0 and no queue has created, retry or active jobs. */
  drained: boolean;
};

/**
 * The pipeline's state, counted exactly from the tables (pg-boss's getQueues()
 * serves counts cached for up to 60 s, too stale for "is it drained?"). Costs one
 * scan of pg-boss's job table: ~0.3 s per million stored jobs.
 */
export async function getStatus(db: Executor, options: { bossSchema?: string } = {}): Promise<BusStatus> {
  const schema = options.bossSchema ?? 'pgboss';
  const installed = await sql<{ t: string | null }>`SELECT to_regclass(${`${schema}.job`})::text AS t`.execute(db);
  // Before any relay or worker has started, pg-boss has not installed its schema yet.
  const jobCounts = installed.rows[0]?.t
    ? sql<{ name: string; state: keyof QueueCounts | null; n: number }>`
      SELECT q.name, j.state::text AS state, count(j.id)::int AS n
      FROM ${sql.table(`${schema}.queue`)} q
      LEFT JOIN ${sql.table(`${schema}.job`)} j ON j.name = q.name
      GROUP BY q.name, j.state`.execute(db)
    : Promise.resolve({ rows: [] as { name: string; state: keyof QueueCounts | null; n: number }[] });
  const [outbox, jobs, archive, breakers] = await Promise.all([
    sql<{ pending: number; oldest: number | null }>`
      SELECT count(*)::int AS pending, extract(epoch FROM now() - min(recorded_at))::float8 AS oldest FROM outbox`.execute(db),
    jobCounts,
    sql<{ total: number; not_replayed: number }>`
      SELECT count(*)::int AS total, (count(*) FILTER (WHERE replay_count = 0))::int AS not_replayed
      FROM failed_job_archive`.execute(db),
    readBreakers(db),
  ]);
  const queues: Record<string, QueueCounts> = {};
  for (const row of jobs.rows) {
    // pg-boss's own queues (cron send-it) are machinery, not pipeline.
    if (row.name.startsWith('__pgboss__')) continue;
    const counts = (queues[row.name] ??= { created: 0, retry: 0, active: 0, completed: 0, failed: 0, cancelled: 0 });
    if (row.state && row.state in counts) counts[row.state] += row.n;
  }
  const o = outbox.rows[0]!;
  const pending = o.pending;
  const busy = Object.values(queues).some((q) => q.created + q.retry + q.active > 0);
  return {
    outbox: { pending, oldestPendingSeconds: Math.max(0, Math.round((o.oldest ?? 0) * 1000) / 1000) },
    queues,
    archive: { total: archive.rows[0]!.total, notReplayed: archive.rows[0]!.not_replayed },
    breakers,
    drained: pending === 0 && !busy,
  };
}

/** Resolves with the status once the pipeline is drained; rejects after timeoutMs. */
export async function waitUntilDrained(db: Executor, options: { timeoutMs?: number; intervalMs?: number } = {}): Promise<BusStatus> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    const status = await getStatus(db);
    if (status.drained) return status;
    if (Date.now() > deadline) {
      throw new Error(`pipeline not drained after ${options.timeoutMs ?? 60_000} ms: ${JSON.stringify({ outbox: status.outbox, queues: status.queues })}`);
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 50));
  }
}
