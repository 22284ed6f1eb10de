import { loadConfig, type Config } from '../../config.ts';
import { createLogger, type Logger } from '../../telemetry/logger.ts';
import { busSettings, type BusSettings } from '../../bus/queues/busSettings.ts';
import type { DatabaseWait, ResolvedDatabase } from '../../runtime/database.ts';
import { prepareDatabase } from '../../runtime/prepareDatabase.ts';

export type BusRuntime = { config: Config; log: Logger; settings: BusSettings; database: ResolvedDatabase };

/**
 * What every bus command starts from: config, logger, a migrated database. relay and
 * worker pass `serving`: they wait for an absent database as long as it takes, /readyz
 * on their ops port answering 503 meanwhile; one-shot commands give up after a bounded wait.
 */
export async function openBusRuntime(name: string, options: { serving?: boolean } = {}): Promise<BusRuntime> {
  const config = loadConfig();
  const log = createLogger({ level: config.LOG_LEVEL, pretty: config.ACCRUE_LOG_PRETTY, name: `accrue-${name}` });
  const wait: DatabaseWait = options.serving ? { forever: true, probePort: opsPort(config) } : {};
  // Migrating is idempotent and serialised by an advisory lock, so any number of
  // processes may start at once.
  const database = await prepareDatabase(config, log, undefined, wait);
  if (!options.serving) announceDatabase(database);
  return { config, log, settings: busSettings(config), database };
}

/**
 * A one-shot command without DATABASE_URL says which embedded Postgres it uses: that
 * of a running `accrue start`, or one it started (empty on a fresh ACCRUE_DATA_DIR),
 * so a user does not read an empty answer as "nothing happened". stderr: stdout stays
 * the command's answer (--json).
 */
export function announceDatabase(database: ResolvedDatabase): void {
  if (database.origin) process.stderr.write(`accrue: ${database.origin}\n`);
}

/** Where relay and worker serve /livez, /readyz and /metrics: ACCRUE_OPS_PORT, else any free port (logged). */
export function opsPort(config: Config): number {
  return config.ACCRUE_OPS_PORT ?? 0;
}
