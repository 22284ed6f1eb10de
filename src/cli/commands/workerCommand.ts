import type { Command } from 'commander';
import { buildSubscriberRegistry } from '../../bus/registeredSubscribers.ts';
import { startWorker } from '../../worker/startWorker.ts';
import { onShutdown } from '../../runtime/shutdown.ts';
import { openBusRuntime } from './busRuntime.ts';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run the subscribers on their pg-boss queues (retries, backoff, failed-job archive, schedules)')
    .action(async () => {
      const { config, log, settings, database } = await openBusRuntime('worker');
      const registry = buildSubscriberRegistry(config, database.url);
      const worker = await startWorker({ url: database.url, subscribers: registry.subscribers, schedules: registry.schedules, settings, log });
      onShutdown(log, [worker.stop, registry.close, database.stop], settings.shutdownTimeoutMs + 5000);
    });
}
