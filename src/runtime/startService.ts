import type { Config } from '../config.ts';
import { migrate } from '../db/migrate.ts';
import type { Logger } from '../lib/logger.ts';
import { buildSubscriberRegistry } from '../bus/registeredSubscribers.ts';
import { busSettings } from '../queues/busSettings.ts';
import { startRelay } from '../relay/startRelay.ts';
import { startWorker } from '../worker/startWorker.ts';
import { resolveDatabase, type ResolvedDatabase } from './database.ts';
import { startApi, type RunningApi } from './startApi.ts';

export type RunningService = { api: RunningApi; database: ResolvedDatabase; close(): Promise<void> };

/**
 * `accrue start`: api + relay + worker in one process on one database (embedded by
 * default). Each part also runs alone (`accrue api|relay|worker`) on any number of
 * machines; this is the same code wired together. Closing stops taking HTTP
 * requests first, then lets the relay and worker finish what they hold.
 */
export async function startService(options: { config: Config; log: Logger; database?: ResolvedDatabase; print?: (line: string) => void }): Promise<RunningService> {
  const { config, log } = options;
  const database = options.database ?? (await resolveDatabase(config, log));
  await migrate(database.url, { log: (m) => log.info(m) });
  const settings = busSettings(config);
  const registry = buildSubscriberRegistry(config, database.url);
  const worker = await startWorker({ url: database.url, subscribers: registry.subscribers, schedules: registry.schedules, settings, log: log.child({ process: 'worker' }) });
  const relay = await startRelay({ url: database.url, subscribers: registry.subscribers, settings, log: log.child({ process: 'relay' }) });
  const api = await startApi({ config, log, database, boss: worker.boss, print: options.print });
  let closing: Promise<void> | undefined;
  return {
    api,
    database,
    close() {
      closing ??= (async () => {
        await api.close();
        await relay.stop();
        await worker.stop();
        await registry.close();
        if (!options.database) await database.stop();
      })();
      return closing;
    },
  };
}
