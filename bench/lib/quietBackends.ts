import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.ts';

/**
 * Waits until the only client backends left on this database are the bench's own
 * (`keep`, its application_name), at most `timeoutMs`; returns how many others remain.
 *
 * Why: a backend reports its counters (pg_stat_database rows, pg_stat_wal) at most once
 * a second while it works, and at the latest when it exits. The drains read those
 * counters right after stopping their relay and worker, whose backends may still be
 * closing: a run missed one backend's last second of work (rows inserted per event
 * 7.35 against 10.35 in the next, identical run). Once they are gone, every count is in.
 */
export async function quietBackends(db: Kysely<Database>, keep: string, timeoutMs = 10_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND backend_type = 'client backend' AND application_name <> ${keep}`.execute(db);
    const others = rows[0]!.n;
    if (others === 0 || performance.now() >= deadline) return others;
    await new Promise((r) => setTimeout(r, 20));
  }
}
