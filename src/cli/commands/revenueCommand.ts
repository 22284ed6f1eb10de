import type { Command } from 'commander';
import { loadConfig } from '../../config.ts';
import { connect } from '../../db/connect.ts';
import { isIsoDay, todayUtc } from '../../lib/dates.ts';
import { createLogger } from '../../lib/logger.ts';
import { runDailyRecognition } from '../../revenue/runDailyRecognition.ts';
import { resolveDatabase } from '../../runtime/database.ts';

export function registerRevenueCommand(program: Command): void {
  const revenue = program.command('revenue').description('the revenue ledger');
  revenue
    .command('recognize')
    .option('--today <YYYY-MM-DD>', 'service days before this day have passed (default: today, UTC)')
    .option('--batch-size <n>', 'lines per transaction', '10000')
    .description('post recognition that has become due (what the daily schedule runs); safe to rerun, resumes after a crash')
    .action(async (opts: { today?: string; batchSize: string }) => {
      if (opts.today !== undefined && !isIsoDay(opts.today)) throw new Error('--today must be YYYY-MM-DD');
      const batchSize = Number(opts.batchSize);
      if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error('--batch-size must be a positive integer');
      const config = loadConfig();
      const log = createLogger({ level: config.LOG_LEVEL, pretty: config.ACCRUE_LOG_PRETTY });
      const database = await resolveDatabase(config, log);
      const handle = connect(database.url, { max: 2, applicationName: 'accrue-recognize' });
      try {
        const started = performance.now();
        const run = await runDailyRecognition(handle.db, opts.today ?? todayUtc(), { batchSize });
        process.stdout.write(`${JSON.stringify({ ...run, ms: Math.round(performance.now() - started) })}\n`);
      } finally {
        await handle.close();
        await database.stop();
      }
    });
}
