import type { Command } from 'commander';
import { buildSubscriberRegistry } from '../../runtime/registeredSubscribers.ts';
import { startRelay } from '../../bus/relay/startRelay.ts';
import { relayApplier } from '../../bus/worker/applyInRelay.ts';
import { onShutdown } from '../../runtime/shutdown.ts';
import { openBusRuntime } from './busRuntime.ts';
import { exitWithError } from './exitWithError.ts';
import { positiveIntArg } from '../cliArgs.ts';
import { initBusTracing, serveBusOps } from './busOps.ts';

export function registerRelayCommand(program: Command): void {
  program
    .command('relay')
    .description('move committed events from the outbox into pg-boss jobs for their subscribers (a small batch of revenue and analytics it applies itself: ACCRUE_RELAY_APPLY_MAX_EVENTS); any number may run at once')
    .option('--loops <n>', 'relay loops in this process (default ACCRUE_RELAY_LOOPS)', (v) => positiveIntArg('--loops', v))
    .action(async (opts: { loops?: number }) => {
      const runtime = await openBusRuntime('relay', { serving: true });
      const { config, log, settings, database } = runtime;
      const stopTracing = initBusTracing(runtime, 'relay');
      const registry = buildSubscriberRegistry(config, database.url);
      if (registry.subscribers.length === 0) exitWithError('no subscribers are registered; refusing to drain the outbox into nothing');
      // Small batches of the subscribers that allow it are applied here, in the claim's transaction (ACCRUE_RELAY_APPLY_MAX_EVENTS).
      const applier = relayApplier(registry.subscribers, { settings, log });
      const relay = await startRelay({ url: database.url, subscribers: registry.subscribers, settings, log, loops: opts.loops, applier });
      const ops = await serveBusOps(runtime);
      onShutdown(log, [ops.close, relay.stop, registry.close, stopTracing, database.stop], settings.shutdownTimeoutMs + 5000);
    });
}
