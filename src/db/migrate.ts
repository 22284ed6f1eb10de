import { readdir, readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { grantRuntimeRole, roleOfUrl } from './grantRuntimeRole.ts';
import { ConflictError } from '../errors.ts';
import { partitionMonthOf } from './createHistoryPartitions.ts';

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations');

// Any two processes that start at once serialise on this lock; the second finds
// nothing left to do.
const MIGRATION_LOCK = 7_301_998_001;

export type Migration = { version: number; name: string; sql: string; checksum: string };

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{3}_[\w-]+\.sql$/.test(f)).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const sql = await readFile(path.join(dir, file), 'utf8');
    migrations.push({
      version: Number(file.slice(0, 3)),
      name: file,
      sql,
      checksum: createHash('sha256').update(sql).digest('hex'),
    });
  }
  return migrations;
}

export type MigrateResult = { applied: string[]; current: number };

/**
 * Applies every migration not yet applied, each in its own transaction, connected as
 * `url` (the owner). Then grants the role of `runtimeUrl` (the processes' DATABASE_URL)
 * exactly what it needs, on every run, so tables added by later migrations are covered;
 * without `runtimeUrl` (or the same role) the owner is also the runtime role, as before.
 */
export type MigrateOptions = {
  dir?: string;
  log?: (msg: string) => void;
  runtimeUrl?: string;
  /**
   * The monthly partitions of the history tables made ahead after migrating (this month
   * and `monthsAhead` more, 3 by default; the worker's schedule keeps them ahead). false:
   * none, for a dump of the schema that must not depend on today's date.
   */
  partitions?: { now?: Date; monthsAhead?: number } | false;
};

export async function migrate(url: string, options: MigrateOptions = {}): Promise<MigrateResult> {
  const migrations = await readMigrations(options.dir);
  const client = new pg.Client({ connectionString: url, application_name: 'accrue-migrate' });
  await client.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = await client.query<{ version: number; name: string; checksum: string }>(
      'SELECT version, name, checksum FROM schema_migrations',
    );
    const byVersion = new Map(done.rows.map((r) => [r.version, r]));
    for (const m of migrations) {
      const prior = byVersion.get(m.version);
      if (prior) {
        if (prior.checksum !== m.checksum) {
          throw new ConflictError(`migration ${m.name} was changed after it was applied (checksum differs); add a new migration instead`);
        }
        continue;
      }
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [m.version, m.name, m.checksum]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${m.name} failed: ${(err as Error).message}`, { cause: err });
      }
      applied.push(m.name);
      options.log?.(`applied ${m.name}`);
    }
    if (options.partitions !== false) {
      const made = await createPartitionsAhead(client, options.partitions?.now ?? new Date(), options.partitions?.monthsAhead ?? 3);
      if (made.length) options.log?.(`created partitions ${made.join(', ')}`);
    }
    const runtime = options.runtimeUrl && options.runtimeUrl !== url ? roleOfUrl(options.runtimeUrl) : undefined;
    await grantRuntimeRole(client, runtime, options.log);
    const last = migrations.at(-1)?.version ?? 0;
    return { applied, current: last };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
    await client.end();
  }
}

/** create_history_partitions (migration 130) when it exists; the partitions it created. */
async function createPartitionsAhead(client: pg.ClientBase, now: Date, monthsAhead: number): Promise<string[]> {
  const fn = await client.query<{ ok: boolean }>(`SELECT to_regprocedure('create_history_partitions(date, integer)') IS NOT NULL AS ok`);
  if (!fn.rows[0]!.ok) return [];
  const r = await client.query<{ partition: string; status: string }>('SELECT partition, status FROM create_history_partitions($1::date, $2)', [partitionMonthOf(now), monthsAhead + 1]);
  return r.rows.filter((row) => row.status === 'created').map((row) => row.partition);
}

/** The newest migration on disk and the newest applied: readiness needs them equal. */
export async function migrationStatus(url: string): Promise<{ expected: number; applied: number }> {
  const migrations = await readMigrations();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const r = await client.query<{ v: number | null }>(
      `SELECT max(version) AS v FROM schema_migrations`,
    );
    return { expected: migrations.at(-1)?.version ?? 0, applied: r.rows[0]?.v ?? 0 };
  } catch {
    return { expected: migrations.at(-1)?.version ?? 0, applied: 0 };
  } finally {
    await client.end();
  }
}
