import type { Command } from 'commander';
import { connect } from '../../db/connect.ts';
import { getStatus } from '../../bus/operator/getStatus.ts';
import { openBusRuntime } from './busRuntime.ts';
import { formatStatus } from './formatStatus.ts';

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('outbox backlog, per-queue job counts by state, archive size, circuit breakers')
    .option('--json', 'one JSON object on stdout (the same as GET /v1/ops/status)')
    .action(async (opts: { json?: boolean }) => {
      const { database } = await openBusRuntime('status');
      const handle = connect(database.url, { max: 4, applicationName: 'accrue-status' });
      try {
        const status = await getStatus(handle.db);
        process.stdout.write(opts.json ? `${JSON.stringify(status)}\n` : formatStatus(status));
      } finally {
        await handle.close();
        await database.stop();
      }
    });
}
