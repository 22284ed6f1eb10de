import type { Command } from 'commander';
import { loadConfig } from '../../config.ts';
import { migrate } from '../../db/migrate.ts';
import { createLogger } from '../../telemetry/logger.ts';
import { resolveDatabase } from '../../runtime/database.ts';

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('apply the numbered SQL migrations in migrations/ (safe to run from several processes at once)')
    .action(async () => {
      const config = loadConfig();
      const log = createLogger({ level: config.LOG_LEVEL, pretty: config.ACCRUE_LOG_PRETTY });
      const database = await resolveDatabase(config, log);
      try {
        // As the owner (ACCRUE_MIGRATE_DATABASE_URL, or the embedded superuser), granting
        // DATABASE_URL's role what api, relay and worker need; one URL: it is both.
        const result = await migrate(database.ownerUrl ?? database.url, {
          runtimeUrl: database.url,
          log: (m) => log.info(m),
          partitions: { monthsAhead: config.ACCRUE_PARTITION_MONTHS_AHEAD },
        });
        log.info({ applied: result.applied.length, current: result.current }, 'migrations up to date');
      } finally {
        await database.stop();
      }
    });
}
