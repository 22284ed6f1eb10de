import { loadConfig, type Config } from '../../config.ts';
import { migrate } from '../../db/migrate.ts';
import { createLogger, type Logger } from '../../lib/logger.ts';
import { busSettings, type BusSettings } from '../../queues/busSettings.ts';
import { resolveDatabase, type ResolvedDatabase } from '../../runtime/database.ts';

export type BusRuntime = { config: Config; log: Logger; settings: BusSettings; database: ResolvedDatabase };

/** What every bus command starts from: config, logger, a migrated database. */
export async function openBusRuntime(name: string): Promise<BusRuntime> {
  const config = loadConfig();
  const log = createLogger({ level: config.LOG_LEVEL, pretty: config.ACCRUE_LOG_PRETTY, name: `accrue-${name}` });
  const database = await resolveDatabase(config, log);
  // Idempotent and serialised by an advisory lock, so any number of processes may start at once.
  await migrate(database.url, { log: (m) => log.debug(m) });
  return { config, log, settings: busSettings(config), database };
}
