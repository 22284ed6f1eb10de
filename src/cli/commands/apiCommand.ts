import type { Command } from 'commander';
import { loadConfig } from '../../config.ts';
import { createLogger } from '../../telemetry/logger.ts';
import { prepareDatabase } from '../../runtime/prepareDatabase.ts';
import { onShutdown } from '../../runtime/shutdown.ts';
import { startApi } from '../../runtime/startApi.ts';

export function registerApiCommand(program: Command): void {
  program
    .command('api')
    .description('serve the HTTP API on PORT (migrates first; embedded Postgres unless DATABASE_URL is set)')
    .action(async () => {
      const config = loadConfig();
      const log = createLogger({ level: config.LOG_LEVEL, pretty: config.ACCRUE_LOG_PRETTY });
      // Until the database answers, /readyz on the ops port (else PORT) says 503.
      const database = await prepareDatabase(config, log, undefined, { forever: true, probePort: config.ACCRUE_OPS_PORT ?? config.PORT });
      try {
        const api = await startApi({ config, log, database });
        onShutdown(log, [api.close, database.stop]);
      } catch (err) {
        await database.stop();
        throw err;
      }
    });
}
