import { loadConfig, type Config } from '../../config.ts';
import { createLogger, type Logger } from '../../lib/logger.ts';
import { busSettings, type BusSettings } from '../../queues/busSettings.ts';
import type { ResolvedDatabase } from '../../runtime/database.ts';
import { prepareDatabase } from '../../runtime/prepareDatabase.ts';

export type BusRuntime = { config: Config; log: Logger; settings: BusSettings; database: ResolvedDatabase };

/** What every bus command starts from: config, logger, a migrated database. */
export async function openBusRuntime(name: string): Promise<BusRuntime> {
  const config = loadConfig();
  const log = createLogger({ level: config.LOG_LEVEL, pretty: config.ACCRUE_LOG_PRETTY, name: `accrue-${name}` });
  // Migrating is idempotent and serialised by an advisory lock, so any number of
  // processes may start at once.
  const database = await prepareDatabase(config, log);
  return { config, log, settings: busSettings(config), database };
}
