import type { Command } from 'commander';
import { announceDatabase } from './busRuntime.ts';
import { loadConfig } from '../../config.ts';
import { connect } from '../../db/connect.ts';
import { todayUtc } from '../../values/dates.ts';
import { dayArg } from '../cliArgs.ts';
import { createLogger } from '../../telemetry/logger.ts';
import { prepareDatabase } from '../../runtime/prepareDatabase.ts';
import { getAgingBuckets, getMonthlyAggregates } from '../../subscribers/analytics/queryAnalytics.ts';
import { detectOverdueInvoices } from '../../subscribers/schedules/detectOverdueInvoices.ts';

/** `accrue analytics` prints the analytics subscriber's aggregates; `accrue detect-overdue` runs one overdue tick by hand. */
export function registerAnalyticsCommand(program: Command): void {
  program
    .command('analytics')
    .description('invoiced, collected, outstanding and overdue per currency and month, and AR aging, as of a day')
    .option('--as-of <day>', 'business day YYYY-MM-DD (default: today, UTC)')
    .option('--json', 'print JSON')
    .action(async (options: { asOf?: string; json?: boolean }) => {
      const asOf = dayArg('--as-of', options.asOf) ?? todayUtc();
      await withDatabase(async (db) => {
        const monthly = await getMonthlyAggregates(db, asOf);
        const aging = await getAgingBuckets(db, asOf);
        if (options.json) {
          process.stdout.write(`${JSON.stringify({ asOf, monthly, aging }, null, 2)}\n`);
          return;
        }
        process.stdout.write(`As of ${asOf} (minor units)\n`);
        console.table(monthly);
        console.table(aging);
      });
    });

  program
    .command('detect-overdue')
    .description('append InvoiceOverdue for open invoices past their due date, once per due date (normally a pg-boss schedule)')
    .option('--today <day>', 'business day YYYY-MM-DD (default: today, UTC)')
    .action(async (options: { today?: string }) => {
      const today = dayArg('--today', options.today) ?? todayUtc();
      await withDatabase(async (db) => {
        const result = await detectOverdueInvoices(db, today);
        process.stdout.write(`${JSON.stringify({ today, ...result })}\n`);
      });
    });
}

async function withDatabase(work: (db: ReturnType<typeof connect>['db']) => Promise<void>): Promise<void> {
  const config = loadConfig();
  const log = createLogger({ level: config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL, pretty: config.ACCRUE_LOG_PRETTY });
  const database = await prepareDatabase(config, log);
  announceDatabase(database);
  const handle = connect(database.url, { max: 2, applicationName: 'accrue-cli' });
  try {
    await work(handle.db);
  } finally {
    await handle.close();
    await database.stop();
  }
}
