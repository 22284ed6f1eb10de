import { sql } from 'kysely';
import type { Executor } from '../../db/connect.ts';

export type ThroughputMinute = {
  /** Start of the minute (UTC). */
  minute: string;
  /**
   * Events the relay moved in this minute, one per (event, subscriber): in the jobs of
   * the subscribers' queues (the subscriptions table), a one-event job counting one
   * and a bundle its events (docs/subscribers.md "Bundles"; a bundle split after a
   * failure counts through its events' own jobs instead); replays left out (the
   * dead-letter copies in the archive queue carry the event too, but no relay made them).
   */
  relayed: number;
  /** Events whose jobs finished this minute: completed (a split bundle counts none: its events finish as their own jobs), or failed for good. */
  completed: number;
  failed: number;
  /** Relay lag of the minute's relayed events: event recorded → job created, in ms (a bundle: its first event's); null without jobs. */
  lagAvgMs: number | null;
  lagMaxMs: number | null;
};

export type Throughput = { from: string; to: string; minutes: ThroughputMinute[] };

/**
 * The pipeline minute by minute over the last `minutes`, read from pg-boss's job
 * rows: what the relay made (and how long after the event was recorded) and what
 * the workers finished; plus what relays applied themselves (relay_direct_deliveries),
 * which counts as relayed and completed in its minute. Each queue is read through pg-boss's (name, created_on)
 * and (name, completed_on) indexes, so the cost follows the window's jobs, not the
 * retained history. Jobs pg-boss has already deleted (past its retention) are gone
 * from the figures.
 */
export async function getThroughput(db: Executor, options: { now: Date; minutes: number; bossSchema?: string }): Promise<Throughput> {
  const schema = options.bossSchema ?? 'pgboss';
  const to = new Date(Math.floor(options.now.getTime() / 60_000) * 60_000 + 60_000);
  const from = new Date(to.getTime() - options.minutes * 60_000);
  const installed = await sql<{ t: string | null }>`SELECT to_regclass(${`${schema}.job`})::text AS t`.execute(db);
  const byMinute = new Map<number, ThroughputMinute>();
  for (let t = from.getTime(); t < to.getTime(); t += 60_000) {
    byMinute.set(t, { minute: new Date(t).toISOString(), relayed: 0, completed: 0, failed: 0, lagAvgMs: null, lagMaxMs: null });
  }
  if (installed.rows[0]?.t) {
    const job = sql.table(`${schema}.job`);
    const queues = sql`SELECT name FROM ${sql.table(`${schema}.queue`)} WHERE left(name, 10) <> '__pgboss__'`;
    const [relayed, finished] = await Promise.all([
      sql<{ minute: Date; n: number; lag_avg: number | null; lag_max: number | null }>`
        SELECT date_trunc('minute', j.created_on) AS minute, sum(e.events)::int AS n,
          (sum(extract(epoch FROM j.created_on - e.recorded_at) * 1000 * e.events) / sum(e.events))::float8 AS lag_avg,
          max(extract(epoch FROM j.created_on - e.recorded_at) * 1000)::float8 AS lag_max
        FROM ${job} j
        CROSS JOIN LATERAL (
          SELECT 1 AS events, (j.data->>'recordedAt')::timestamptz AS recorded_at WHERE j.data ? 'recordedAt'
          UNION ALL
          SELECT jsonb_array_length(j.data->'positions'), ev.recorded_at
          FROM events ev WHERE j.data ? 'positions' AND ev.position = (j.data->'positions'->>0)::bigint
        ) e
        WHERE j.name IN (SELECT DISTINCT subscriber FROM subscriptions) AND j.created_on >= ${from} AND j.created_on < ${to}
          AND jsonb_typeof(j.data) = 'object' AND (j.output->>'split') IS NULL
          AND NOT EXISTS (SELECT 1 FROM failed_job_replays r WHERE r.job_id = j.id)
        GROUP BY 1`.execute(db),
      sql<{ minute: Date; completed: number; failed: number }>`
        SELECT date_trunc('minute', j.completed_on) AS minute,
          coalesce(sum(x.events) FILTER (WHERE j.state = 'completed' AND (j.output->>'split') IS NULL), 0)::int AS completed,
          coalesce(sum(x.events) FILTER (WHERE j.state = 'failed'), 0)::int AS failed
        FROM ${job} j
        CROSS JOIN LATERAL (SELECT CASE WHEN jsonb_typeof(j.data) = 'object' AND j.data ? 'positions' AND jsonb_typeof(j.data->'positions') = 'array'
                                        THEN jsonb_array_length(j.data->'positions') ELSE 1 END AS events) x
        WHERE j.name IN (${queues}) AND j.completed_on >= ${from} AND j.completed_on < ${to}
        GROUP BY 1`.execute(db),
    ]);
    for (const r of relayed.rows) {
      const m = byMinute.get(new Date(r.minute).getTime());
      if (!m) continue;
      m.relayed = r.n;
      m.lagAvgMs = r.lag_avg === null ? null : Math.max(0, Math.round(r.lag_avg));
      m.lagMaxMs = r.lag_max === null ? null : Math.max(0, Math.round(r.lag_max));
    }
    for (const r of finished.rows) {
      const m = byMinute.get(new Date(r.minute).getTime());
      if (!m) continue;
      m.completed = r.completed;
      m.failed = r.failed;
    }
  }
  // Events a relay applied itself (no job: migration 150) were relayed and completed in one commit.
  const direct = await sql<{ minute: Date; n: number; lag_sum: number; lag_max: number }>`
    SELECT minute, sum(events)::int AS n, sum(lag_ms_sum)::float8 AS lag_sum, max(lag_ms_max)::float8 AS lag_max
    FROM relay_direct_deliveries WHERE minute >= ${from} AND minute < ${to} GROUP BY minute`.execute(db);
  for (const r of direct.rows) {
    const m = byMinute.get(new Date(r.minute).getTime());
    if (!m || r.n === 0) continue;
    const jobLagSum = (m.lagAvgMs ?? 0) * m.relayed;
    m.lagAvgMs = Math.max(0, Math.round((jobLagSum + r.lag_sum) / (m.relayed + r.n)));
    m.lagMaxMs = Math.max(m.lagMaxMs ?? 0, Math.round(r.lag_max));
    m.relayed += r.n;
    m.completed += r.n;
  }
  return { from: from.toISOString(), to: to.toISOString(), minutes: [...byMinute.values()] };
}
