import { sql } from 'kysely';
import type { Executor } from '../../db/connect.ts';
import { getBreakerStates, type BreakerStatus as BreakerState } from '../breaker/getBreakerStates.ts';
import { privilegeWarning, readDatabaseRole, type DatabaseRole } from '../../db/databaseRole.ts';

export type QueueCounts = { created: number; retry: number; active: number; completed: number; failed: number; cancelled: number };

export type BusStatus = {
  outbox: { pending: number; oldestPendingSeconds: number };
  queues: Record<string, QueueCounts>;
  /** Per subscriber, events relays applied themselves (no job: relay_direct_deliveries), kept as long as completed jobs. */
  appliedInRelay: Record<string, number>;
  archive: { total: number; notReplayed: number };
  breakers: Record<string, BreakerState>;
  /** The role this process connects as; `warning` when it is more than the runtime needs. */
  database: DatabaseRole & { warning?: string };
  /** outbox.pending is 0 and no queue has created, retry or active jobs. */
  drained: boolean;
};

type Row = { name: string; state: keyof QueueCounts | null; n: number };

/**
 * The pipeline's state, counted exactly from the tables (pg-boss's getQueues() serves
 * counts cached for up to 60 s, too stale for "is it drained?"). Unfinished and failed
 * jobs are counted through pg-boss's partial index on those states; `completed` needs
 * a scan of the retained completed jobs (~0.3 s per million), so pass
 * `countCompleted: false` to poll cheaply (completed then reads 0).
 */
export async function getStatus(db: Executor, options: { bossSchema?: string; countCompleted?: boolean } = {}): Promise<BusStatus> {
  const schema = options.bossSchema ?? 'pgboss';
  const installed = await sql<{ t: string | null }>`SELECT to_regclass(${`${schema}.job`})::text AS t`.execute(db);
  // Before any relay or worker has started, pg-boss has not installed its schema yet.
  const counts = async (): Promise<Row[]> => {
    if (!installed.rows[0]?.t) return [];
    const job = sql.table(`${schema}.job`);
    const [queues, open, done] = await Promise.all([
      sql<{ name: string }>`SELECT name FROM ${sql.table(`${schema}.queue`)}`.execute(db),
      sql<Row>`SELECT name, state::text AS state, count(*)::int AS n FROM ${job}
        WHERE state IN ('created', 'retry', 'active', 'failed') GROUP BY 1, 2`.execute(db),
      options.countCompleted === false
        ? Promise.resolve({ rows: [] as Row[] })
        : sql<Row>`SELECT name, state::text AS state, count(*)::int AS n FROM ${job}
            WHERE state IN ('completed', 'cancelled') GROUP BY 1, 2`.execute(db),
    ]);
    return [...queues.rows.map((q) => ({ name: q.name, state: null, n: 0 })), ...open.rows, ...done.rows];
  };
  const [outbox, rows, archive, breakers, role, applied] = await Promise.all([
    sql<{ pending: number; oldest: number | null }>`
      SELECT count(*)::int AS pending, extract(epoch FROM now() - min(recorded_at))::float8 AS oldest FROM outbox`.execute(db),
    counts(),
    sql<{ total: number; not_replayed: number }>`
      SELECT count(*)::int AS total, (count(*) FILTER (WHERE replay_count = 0))::int AS not_replayed
      FROM failed_job_archive`.execute(db),
    getBreakerStates(db),
    readDatabaseRole(db),
    sql<{ subscriber: string; n: number }>`SELECT subscriber, sum(events)::int AS n FROM relay_direct_deliveries GROUP BY 1 ORDER BY 1`.execute(db),
  ]);
  const warning = privilegeWarning(role);
  const queues: Record<string, QueueCounts> = {};
  for (const row of rows) {
    // pg-boss's own queues (cron send-it) are machinery, not pipeline.
    if (row.name.startsWith('__pgboss__')) continue;
    const c = (queues[row.name] ??= { created: 0, retry: 0, active: 0, completed: 0, failed: 0, cancelled: 0 });
    if (row.state && row.state in c) c[row.state] += row.n;
  }
  const o = outbox.rows[0]!;
  const busy = Object.values(queues).some((q) => q.created + q.retry + q.active > 0);
  return {
    outbox: { pending: o.pending, oldestPendingSeconds: Math.max(0, Math.round((o.oldest ?? 0) * 1000) / 1000) },
    queues,
    appliedInRelay: Object.fromEntries(applied.rows.map((r) => [r.subscriber, r.n])),
    archive: { total: archive.rows[0]!.total, notReplayed: archive.rows[0]!.not_replayed },
    breakers,
    database: { ...role, ...(warning ? { warning } : {}) },
    drained: o.pending === 0 && !busy,
  };
}

/**
 * Resolves with the full status once the pipeline is drained (polling a cheap check
 * every intervalMs); rejects after timeoutMs.
 */
export async function waitUntilDrained(db: Executor, options: { timeoutMs?: number; intervalMs?: number; bossSchema?: string } = {}): Promise<BusStatus> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  const schema = options.bossSchema ?? 'pgboss';
  // Once pg-boss's table exists it stays: stop asking (one statement a poll, not two).
  let installed = false;
  for (;;) {
    installed ||= await bossInstalled(db, schema);
    if (await isDrained(db, schema, installed)) return getStatus(db, { bossSchema: schema });
    if (Date.now() > deadline) {
      const status = await getStatus(db, { bossSchema: schema, countCompleted: false });
      throw new Error(`pipeline not drained after ${timeoutMs} ms: ${JSON.stringify({ outbox: status.outbox, queues: status.queues })}`);
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 50));
  }
}

/**
 * No outbox row and no job waiting, retrying or running, read in one snapshot: a relay
 * commit between two separate reads (row gone from the outbox, its jobs not yet seen)
 * would look drained, as a loaded test run once hit. EXISTS stops at the first row, so a
 * poll costs the same with a backlog of a million as with none (counting the backlog
 * every 50 ms was ~4 % of the database's time in a bench drain).
 */
async function isDrained(db: Executor, schema: string, installed: boolean): Promise<boolean> {
  // Before any relay or worker has started, pg-boss has not installed its schema yet.
  const openJobs = installed
    ? sql`OR EXISTS (SELECT 1 FROM ${sql.table(`${schema}.job`)} WHERE state IN ('created', 'retry', 'active') AND left(name, 10) <> '__pgboss__')`
    : sql``;
  const { rows } = await sql<{ busy: boolean }>`SELECT EXISTS (SELECT 1 FROM outbox) ${openJobs} AS busy`.execute(db);
  return !rows[0]!.busy;
}

async function bossInstalled(db: Executor, schema: string): Promise<boolean> {
  const { rows } = await sql<{ t: string | null }>`SELECT to_regclass(${`${schema}.job`})::text AS t`.execute(db);
  return rows[0]?.t != null;
}
