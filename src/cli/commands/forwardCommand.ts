import type { Command } from 'commander';
import { startNatsForwarding } from '../../runtime/startNatsForwarding.ts';
import { onShutdown } from '../../runtime/shutdown.ts';
import { openBusRuntime } from './busRuntime.ts';
import { exitWithError } from './exitWithError.ts';

export function registerForwardCommand(program: Command): void {
  const forward = program.command('forward').description('hand every event, in commit order, to a system outside accrue');
  forward
    .command('nats')
    .description('publish every event to NATS JetStream (ACCRUE_NATS_URL): subject <prefix>.<aggregateType>.<eventType>, Nats-Msg-Id = event id, resuming from its recorded position')
    .action(async () => {
      const runtime = await openBusRuntime('forward-nats', { serving: true });
      const { config, log, settings, database } = runtime;
      const forwarder = startNatsForwarding(config, database.url, log);
      if (!forwarder) exitWithError('ACCRUE_NATS_URL is not set: name the NATS server to forward to, e.g. ACCRUE_NATS_URL=nats://127.0.0.1:4222');
      onShutdown(log, [forwarder.stop, database.stop], settings.shutdownTimeoutMs + 5000);
    });
}
