import type { Command } from 'commander';
import { announceDatabase } from './busRuntime.ts';
import { loadConfig } from '../../config.ts';
import { connect } from '../../db/connect.ts';
import { todayUtc } from '../../values/dates.ts';
import { dayArg, positiveIntArg } from '../cliArgs.ts';
import { createLogger } from '../../telemetry/logger.ts';
import { runDailyRecognition } from '../../subscribers/revenue/runDailyRecognition.ts';
import { resolveDatabase } from '../../runtime/database.ts';

export function registerRevenueCommand(program: Command): void {
  const revenue = program.command('revenue').description('the revenue ledger');
  revenue
    .command('recognize')
    .option('--today <YYYY-MM-DD>', 'service days before this day have passed (default: today, UTC)')
    .option('--batch-size <n>', 'lines per transaction', '10000')
    .description('post recognition that has become due (what the daily schedule runs); safe to rerun, resumes after a crash')
    .action(async (opts: { today?: string; batchSize: string }) => {
      const today = dayArg('--today', opts.today);
      const batchSize = positiveIntArg('--batch-size', opts.batchSize);
      const config = loadConfig();
      const log = createLogger({ level: config.LOG_LEVEL, pretty: config.ACCRUE_LOG_PRETTY });
      const database = await resolveDatabase(config, log);
      announceDatabase(database);
      const handle = connect(database.url, { max: 2, applicationName: 'accrue-recognize' });
      try {
        const started = performance.now();
        const run = await runDailyRecognition(handle.db, today ?? todayUtc(), { batchSize });
        process.stdout.write(`${JSON.stringify({ ...run, ms: Math.round(performance.now() - started) })}\n`);
      } finally {
        await handle.close();
        await database.stop();
      }
    });
}
