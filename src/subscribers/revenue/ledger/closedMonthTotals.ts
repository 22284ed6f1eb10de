import { sql } from 'kysely';
import type { Executor } from '../../../db/connect.ts';
import { sumAccountColumns } from '../accountColumns.ts';
import { firstDayOfMonth, nextMonth } from '../../../values/dates.ts';

/**
 * Records the journal's totals of the months just closed (after `previous`, through
 * `period`), in the close's transaction after its lock: no entry can be added to them
 * any more (migration 122), so reports read these instead of the months' entries.
 * Bounded by entry_date (what period is made of), so only those months' partitions are read.
 */
export async function recordClosedMonthTotals(db: Executor, previous: string | null, period: string): Promise<void> {
  await sql`
    INSERT INTO ledger_closed_month_totals (currency, period, accounts_receivable, cash, deferred_revenue, revenue, tax_payable, customer_credit)
    SELECT currency, period, ${sumAccountColumns()}
    FROM ledger_entries
    WHERE entry_date >= ${previous === null ? '0001-01-01' : firstDayOfMonth(nextMonth(previous))}::date
      AND entry_date < ${firstDayOfMonth(nextMonth(period))}::date
    GROUP BY currency, period
    ON CONFLICT (currency, period) DO NOTHING`.execute(db);
}
