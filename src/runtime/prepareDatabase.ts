import type { Config } from '../config.ts';
import { connect } from '../db/connect.ts';
import { migrate, migrationStatus, type MigrateResult } from '../db/migrate.ts';
import type { Logger } from '../telemetry/logger.ts';
import { privilegeWarning, readDatabaseRole } from '../db/databaseRole.ts';
import { resolveDatabase, type DatabaseWait, type ResolvedDatabase } from './database.ts';

export type PreparedDatabase = ResolvedDatabase & { migrations: MigrateResult };

// How often a process without the owner's URL looks again for `accrue migrate` to finish.
const WAIT_FOR_MIGRATE_MS = 2000;

/**
 * What every process does before it starts: find the database (DATABASE_URL, or the
 * embedded one), bring the schema up to date as the owner when it knows the owner's
 * URL, and hand back the runtime role's URL to connect with. A process that only has
 * DATABASE_URL migrates with it if that role may (one role for everything, the
 * setup before roles were split); a least-privileged role may not, so it waits for `accrue migrate`.
 * Warns once when the runtime connects as a superuser or as the tables' owner.
 */
export async function prepareDatabase(config: Config, log: Logger, given?: ResolvedDatabase, wait: DatabaseWait = {}): Promise<PreparedDatabase> {
  const database = given ?? (await resolveDatabase(config, log, wait));
  try {
    const migrations = await ensureMigrated(database, log);
    await warnIfPrivileged(database.url, log);
    return { ...database, migrations };
  } catch (err) {
    if (!given) await database.stop();
    throw err;
  }
}

export async function ensureMigrated(database: ResolvedDatabase, log: Logger): Promise<MigrateResult> {
  const quiet = (m: string) => log.debug(m);
  if (database.ownerUrl) return migrate(database.ownerUrl, { runtimeUrl: database.url, log: quiet });
  let status = await migrationStatus(database.url);
  if (status.applied >= status.expected) return { applied: [], current: status.applied };
  try {
    return await migrate(database.url, { log: quiet });
  } catch (err) {
    if (!isInsufficientPrivilege(err)) throw err;
  }
  log.warn(
    { schemaVersion: status.applied, needed: status.expected },
    'waiting for migrations: DATABASE_URL\'s role may not migrate; run `accrue migrate` with ACCRUE_MIGRATE_DATABASE_URL set to the owner',
  );
  for (;;) {
    await new Promise((r) => setTimeout(r, WAIT_FOR_MIGRATE_MS));
    status = await migrationStatus(database.url);
    if (status.applied >= status.expected) {
      log.info({ schemaVersion: status.applied }, 'migrations are current');
      return { applied: [], current: status.applied };
    }
  }
}

async function warnIfPrivileged(url: string, log: Logger): Promise<void> {
  const handle = connect(url, { max: 1, applicationName: 'accrue-boot' });
  try {
    const warning = privilegeWarning(await readDatabaseRole(handle.db));
    if (warning) log.warn(warning);
  } finally {
    await handle.close();
  }
}

function isInsufficientPrivilege(err: unknown): boolean {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: string }).code === '42501') return true;
  }
  return false;
}
