import type { Command } from 'commander';
import { connect } from '../../db/connect.ts';
import { getStatus } from '../../bus/operator/getStatus.ts';
import { openBusRuntime } from './busRuntime.ts';

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('outbox backlog, per-queue job counts by state, archive size, circuit breakers')
    .option('--json', 'one JSON object on stdout')
    .action(async (opts: { json?: boolean }) => {
      const { database } = await openBusRuntime('status');
      const handle = connect(database.url, { max: 4, applicationName: 'accrue-status' });
      try {
        const status = await getStatus(handle.db);
        process.stdout.write(opts.json ? `${JSON.stringify(status)}\n` : `${JSON.stringify(status, null, 2)}\n`);
      } finally {
        await handle.close();
        await database.stop();
      }
    });
}
