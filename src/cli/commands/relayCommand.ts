import type { Command } from 'commander';
import { registeredSubscribers } from '../../bus/registeredSubscribers.ts';
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
      if (registeredSubscribers.length === 0) exitWithError('no subscribers are registered (src/bus/registeredSubscribers.ts); refusing to drain the outbox into nothing');
      const { log, settings, database } = await openBusRuntime('relay');
      const relay = await startRelay({ url: database.url, subscribers: registeredSubscribers, settings, log, loops: opts.loops });
      onShutdown(log, [relay.stop, database.stop], settings.shutdownTimeoutMs + 5000);
    });
}
