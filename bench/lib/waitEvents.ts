import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.ts';

/**
 * Samples what the server backends of `apps` (default: relay and worker) do every
 * `intervalMs` (pg_stat_activity of active connections): "CPU" when running, else
 * the wait event (Lock/advisory, Client/ClientRead, IO/WALSync, LWLock/…). The share
 * of samples per state says where a drain spends its time on the server: the
 * evidence for lock convoys and fsync waits in docs/performance.md. The sampling
 * statement's own backend is left out: on a pool of one of `apps` (the e2e figure samples
 * with the producer's) it was always "CPU", one sample per tick.
 */
export function sampleWaitEvents(
  db: Kysely<Database>,
  apps: readonly string[] = ['accrue-worker', 'accrue-relay'],
  intervalMs = 100,
): { stop(): Promise<Record<string, number>> } {
  const counts = new Map<string, number>();
  let busy = Promise.resolve();
  const timer = setInterval(() => {
    busy = busy.then(async () => {
      const { rows } = await sql<{ app: string; what: string; n: number }>`
        SELECT application_name AS app,
               CASE WHEN state = 'idle in transaction' THEN 'idle in transaction (client busy)'
                    WHEN wait_event_type IS NULL THEN 'CPU'
                    ELSE wait_event_type || '/' || wait_event END AS what,
               count(*)::int AS n
        FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = ANY(${apps}::text[])
          AND pid <> pg_backend_pid()
          AND state IN ('active', 'idle in transaction')
        GROUP BY 1, 2`.execute(db).catch(() => ({ rows: [] }));
      for (const r of rows) counts.set(`${r.app}: ${r.what}`, (counts.get(`${r.app}: ${r.what}`) ?? 0) + r.n);
    });
  }, intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await busy;
      return Object.fromEntries([...counts].sort((a, b) => b[1] - a[1]));
    },
  };
}
