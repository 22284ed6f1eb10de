import type { Command } from 'commander';
import { loadConfig } from '../../config.ts';
import { createLogger } from '../../telemetry/logger.ts';
import { onShutdown } from '../../runtime/shutdown.ts';
import { startService } from '../../runtime/startService.ts';

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('run the whole service in one process: API + relay + worker, and the NATS forwarder when ACCRUE_NATS_URL is set (embedded Postgres unless DATABASE_URL is set)')
    .action(async () => {
      const config = loadConfig();
      const log = createLogger({ level: config.LOG_LEVEL, pretty: config.ACCRUE_LOG_PRETTY });
      const service = await startService({ config, log });
      onShutdown(log, [service.close], config.ACCRUE_SHUTDOWN_TIMEOUT_MS + 10_000);
    });
}
