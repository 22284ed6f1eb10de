import { sql } from 'kysely';
import type { Executor } from '../../db/connect.ts';
import { migrationStatus, readMigrations } from '../../db/migrate.ts';
import type { Logger } from '../../telemetry/logger.ts';

export type CheckResult = { status: 'ok' | 'fail'; detail?: string };
export type HealthReport = { status: 'ok' | 'fail'; checks: Record<string, CheckResult>; reason?: string };

/** Liveness: the process answers. Never touches the database, so a database outage does not restart us. */
export function livez(): HealthReport {
  return { status: 'ok', checks: { process: { status: 'ok', detail: `uptime ${Math.round(process.uptime())}s` } } };
}

export type MigrationState = { expected: number; applied: number };

export type ReadinessDeps = {
  db: Executor;
  /** Newest migration on disk vs newest applied: `migrationsCheck(url)` below. */
  migrationsCurrent: () => Promise<MigrationState>;
  /** Omit in processes without pg-boss (api); else true between boss.start() and 'stopped'. */
  bossStarted?: () => boolean;
  /** Per check. Probes run every few seconds; 1 s is far above a healthy SELECT 1 (< 5 ms). */
  timeoutMs?: number;
  /** Gets the driver's error text of a failing check; the answer only says which check failed. */
  log?: Logger;
};

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

const message = (err: unknown) => (err instanceof Error ? err.message || err.constructor.name : String(err));

/**
 * Readiness: database reachable, migrations current, pg-boss started. The checks run
 * concurrently, each bounded by timeoutMs; `reason` names every failing check. The
 * answer is public (probes carry no token), so a database failure is only named
 * ("database unreachable"): the driver's text (host names, role names, server
 * messages) goes to the log.
 */
export async function readyz(deps: ReadinessDeps): Promise<HealthReport> {
  const ms = deps.timeoutMs ?? 1000;
  const database = withTimeout(sql`SELECT 1`.execute(deps.db), ms, 'database')
    .then((): CheckResult => ({ status: 'ok' }))
    .catch((err: unknown): CheckResult => {
      deps.log?.warn({ check: 'database', error: message(err) }, 'readiness: database unreachable');
      return { status: 'fail', detail: 'database unreachable' };
    });
  const migrations = withTimeout(deps.migrationsCurrent(), ms, 'migration status')
    .then(({ expected, applied }): CheckResult =>
      // applied > expected: a newer release migrated first; this one's schema is still there.
      applied >= expected
        ? { status: 'ok', detail: `at ${applied}` }
        : { status: 'fail', detail: `migrations not current: applied ${applied}, expected ${expected}` })
    .catch((err: unknown): CheckResult => {
      deps.log?.warn({ check: 'migrations', error: message(err) }, 'readiness: migration status unknown');
      return { status: 'fail', detail: 'migration status unknown' };
    });
  const checks: Record<string, CheckResult> = { database: await database, migrations: await migrations };
  if (deps.bossStarted) {
    checks.pgBoss = deps.bossStarted() ? { status: 'ok' } : { status: 'fail', detail: 'pg-boss not started' };
  }
  const failing = Object.values(checks).filter((c) => c.status === 'fail');
  return failing.length === 0
    ? { status: 'ok', checks }
    : { status: 'fail', checks, reason: failing.map((c) => c.detail).join('; ') };
}

/**
 * migrationStatus(url), remembered once current: the schema does not go back, so
 * later probes cost nothing until the process restarts with newer migrations.
 */
export function migrationsCheck(url: string): () => Promise<MigrationState> {
  let current: MigrationState | undefined;
  return async () => {
    if (current) return current;
    const state = await migrationStatus(url);
    if (state.applied >= state.expected) current = state;
    return state;
  };
}

/**
 * The same check through an executor the process already has (the API's pool), for
 * callers that hold no URL. Remembered once current, like migrationsCheck.
 */
export function migrationsCheckOn(db: Executor): () => Promise<MigrationState> {
  let current: MigrationState | undefined;
  let expected: Promise<number> | undefined;
  return async () => {
    if (current) return current;
    expected ??= readMigrations().then((m) => m.at(-1)?.version ?? 0);
    const r = await sql<{ v: number | null }>`SELECT max(version)::int AS v FROM schema_migrations`.execute(db);
    const state = { expected: await expected, applied: r.rows[0]?.v ?? 0 };
    if (state.applied >= state.expected) current = state;
    return state;
  };
}
