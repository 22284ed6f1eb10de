import { sql } from 'kysely';
import { connect } from '../../src/db/connect.ts';
import { closingBalances, revenueByMonth } from '../../src/reports/balanceReports.ts';
import { applyPeriodClose } from '../../src/subscribers/revenue/applyPeriodClose.ts';
import { scratchDatabase } from '../lib/benchDatabase.ts';
import { percentile, round } from '../lib/stats.ts';
import type { Figure } from '../lib/types.ts';

/**
 * Issue 15: `reports{revenueByMonthMs,closingBalancesMs,entries}`: the two reports over
 * 1,000,000 ledger entries spread over 36 months (2023-01..2025-12, USD and EUR,
 * 50,000 invoices), months through 2025-10 closed, median of 5 runs each over the
 * whole range (from/to given), in a scratch database.
 * --quick: 100,000 entries (and says so). Target: at most 200 ms each.
 */
export const reportsAtScale: Figure = {
  key: 'reports',
  title: 'Reports over a large ledger',
  async run(ctx) {
    const entries = ctx.quick ? 100_000 : 1_000_000;
    const scratch = await scratchDatabase(ctx.adminUrl, 'accrue_bench_reports');
    const handle = connect(scratch.url, { max: 2 });
    try {
      const seed = ctx.progress.task(`reports: seed ${entries} ledger entries`, entries);
      for (let i = 0; i < entries; i += 100_000) {
        const to = Math.min(entries, i + 100_000) - 1;
        // Balanced recognition entries (DeferredRevenue debit, Revenue credit), one a row.
        await sql`
          INSERT INTO ledger_entries (currency, entry_date, origin_date, kind, invoice_id, line_id, deferred_revenue, revenue)
          SELECT CASE WHEN g % 4 = 0 THEN 'EUR' ELSE 'USD' END, date '2023-01-01' + (g % 1095), date '2023-01-01' + (g % 1095),
                 'recognition', 'inv_' || (g % 50000), 'l', 100 + g % 37, -(100 + g % 37)
          FROM generate_series(${i}::int, ${to}::int) AS g`.execute(handle.db);
        seed.increment(to - i + 1);
      }
      seed.done();
      // A company three years in has closed its past months: close through 2025-10 as
      // the service does (applyPeriodClose), leaving two open months to sum from entries.
      await handle.db.transaction().execute((tx) => applyPeriodClose(tx, '2025-10', null, new Date()));
      await sql`ANALYZE ledger_entries`.execute(handle.db);
      const query = { from: '2023-01', to: '2025-12', asOf: '2025-12-31' };
      const time = async (report: () => Promise<unknown>) => {
        const ms: number[] = [];
        await report(); // warm the cache: the figure is the steady state
        for (let i = 0; i < 5; i++) {
          const started = performance.now();
          await report();
          ms.push(performance.now() - started);
        }
        return ms;
      };
      const revenue = await time(() => revenueByMonth(handle.db, query));
      const closing = await time(() => closingBalances(handle.db, query));
      return {
        status: 'measured',
        summary: { revenueByMonthMs: round(percentile(revenue, 50), 1), closingBalancesMs: round(percentile(closing, 50), 1), entries },
        detail: { revenueByMonthRunsMs: revenue.map((m) => round(m, 1)), closingBalancesRunsMs: closing.map((m) => round(m, 1)), months: 36 },
        note: ctx.quick ? `--quick: ${entries} entries, not 1,000,000` : 'target: <= 200 ms each',
      };
    } finally {
      await handle.close();
      await scratch.drop();
    }
  },
};
