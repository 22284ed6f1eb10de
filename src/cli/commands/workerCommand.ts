import type { Command } from 'commander';
import { registeredSubscribers } from '../../bus/registeredSubscribers.ts';
import { startWorker } from '../../worker/startWorker.ts';
import { onShutdown } from '../../runtime/shutdown.ts';
import { openBusRuntime } from './busRuntime.ts';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run the subscribers on their pg-boss queues (retries, backoff, failed-job archive, schedules)')
    .action(async () => {
      const { log, settings, database } = await openBusRuntime('worker');
      const worker = await startWorker({ url: database.url, subscribers: registeredSubscribers, settings, log });
      onShutdown(log, [worker.stop, database.stop], settings.shutdownTimeoutMs + 5000);
    });
}
