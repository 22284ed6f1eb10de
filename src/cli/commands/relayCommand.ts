import type { Command } from 'commander';
import { buildSubscriberRegistry } from '../../bus/registeredSubscribers.ts';
import { startRelay } from '../../relay/startRelay.ts';
import { onShutdown } from '../../runtime/shutdown.ts';
import { openBusRuntime } from './busRuntime.ts';
import { exitWithError } from './exitWithError.ts';

export function registerRelayCommand(program: Command): void {
  program
    .command('relay')
    .description('move committed events from the outbox into one pg-boss job per (event, subscriber); any number may run at once')
    .option('--loops <n>', 'relay loops in this process (default ACCRUE_RELAY_LOOPS)', (v) => Number.parseInt(v, 10))
    .action(async (opts: { loops?: number }) => {
      const { config, log, settings, database } = await openBusRuntime('relay');
      const registry = buildSubscriberRegistry(config, database.url);
      if (registry.subscribers.length === 0) exitWithError('no subscribers are registered; refusing to drain the outbox into nothing');
      const relay = await startRelay({ url: database.url, subscribers: registry.subscribers, settings, log, loops: opts.loops });
      onShutdown(log, [relay.stop, registry.close, database.stop], settings.shutdownTimeoutMs + 5000);
    });
}
