import type { Command } from 'commander';
import { loadConfig } from '../../config.ts';
import { startNatsForwarding } from '../../runtime/startNatsForwarding.ts';
import { onShutdown } from '../../runtime/shutdown.ts';
import { openBusRuntime } from './busRuntime.ts';
import { exitWithError } from './exitWithError.ts';

const NO_URL = 'ACCRUE_NATS_URL is not set: name the NATS server to forward to, e.g. ACCRUE_NATS_URL=nats://127.0.0.1:4222';

export function registerForwardCommand(program: Command): void {
  const forward = program.command('forward').description('hand every event, in commit order, to a system outside accrue');
  forward
    .command('nats')
    .description('publish every event to NATS JetStream (ACCRUE_NATS_URL): subject <prefix>.<aggregateType>.<eventType>, Nats-Msg-Id = event id, resuming from its recorded position')
    .action(async () => {
      // Before the database is opened (an embedded one takes seconds to start).
      if (!loadConfig().ACCRUE_NATS_URL) exitWithError(NO_URL, 'usage');
      const runtime = await openBusRuntime('forward-nats', { serving: true });
      const { config, log, settings, database } = runtime;
      const forwarder = startNatsForwarding(config, database.url, log);
      if (!forwarder) exitWithError(NO_URL, 'usage');
      onShutdown(log, [forwarder.stop, database.stop], settings.shutdownTimeoutMs + 5000);
    });
}
