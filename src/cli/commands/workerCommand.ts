import type { Command } from 'commander';
import { buildSubscriberRegistry } from '../../runtime/registeredSubscribers.ts';
import { startWorker } from '../../bus/worker/startWorker.ts';
import { onShutdown } from '../../runtime/shutdown.ts';
import { openBusRuntime } from './busRuntime.ts';
import { initBusTracing, serveBusOps } from './busOps.ts';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run the subscribers on their pg-boss queues (retries, backoff, failed-job archive, schedules)')
    .action(async () => {
      const runtime = await openBusRuntime('worker', { serving: true });
      const { config, log, settings, database } = runtime;
      const stopTracing = initBusTracing(runtime, 'worker');
      const registry = buildSubscriberRegistry(config, database.url);
      const worker = await startWorker({ url: database.url, subscribers: registry.subscribers, schedules: registry.schedules, settings, log });
      // startWorker returns once pg-boss started; readiness fails from the moment it stops.
      let bossStarted = true;
      worker.boss.once('stopped', () => (bossStarted = false));
      const ops = await serveBusOps(runtime, () => bossStarted);
      const stopWorker = async () => {
        bossStarted = false;
        await worker.stop();
      };
      onShutdown(log, [stopWorker, ops.close, registry.close, stopTracing, database.stop], settings.shutdownTimeoutMs + 5000);
    });
}
