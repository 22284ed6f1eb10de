import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closingBalances, revenueByMonth } from '../../src/reports/balanceReports.ts';
import { applyPeriodClose } from '../../src/subscribers/revenue/applyPeriodClose.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase.ts';

/**
 * Issue 15: reports read closed months from ledger_closed_month_totals and the rest from
 * the entries; the figures equal summing every entry, for ranges across closed and open
 * months and an asOf inside a closed month. Costs: one test database, ~1,100 entries.
 */
describe('reports over closed months', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
    await sql`
      INSERT INTO ledger_entries (currency, entry_date, origin_date, kind, invoice_id, line_id, deferred_revenue, revenue)
      SELECT CASE WHEN g % 3 = 0 THEN 'EUR' ELSE 'USD' END, date '2026-01-01' + (g % 150), date '2026-01-01' + (g % 150),
             'recognition', 'inv_' || (g % 40), 'l', 10 + g % 7, -(10 + g % 7)
      FROM generate_series(1, 1100) AS g`.execute(t.db);
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('gives the figures summing every entry gives', async () => {
    const queries = [
      { from: '2026-01', to: '2026-06', asOf: '2026-06-30' },
      { from: '2026-01', to: '2026-06', asOf: '2026-02-14' },
      { from: '2026-02', to: '2026-04', asOf: '2026-05-31', currency: 'EUR' },
    ];
    const now = new Date('2026-12-01T00:00:00Z');
    const before = await Promise.all(queries.map(async (q) => [await revenueByMonth(t.db, q, now), await closingBalances(t.db, q, now)]));
    await t.db.transaction().execute((tx) => applyPeriodClose(tx, '2026-02', null, now));
    await t.db.transaction().execute((tx) => applyPeriodClose(tx, '2026-03', null, now));
    const cached = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ledger_closed_month_totals`.execute(t.db);
    expect(cached.rows[0]!.n).toBe(6); // 2026-01..03, USD and EUR
    const after = await Promise.all(queries.map(async (q) => [await revenueByMonth(t.db, q, now), await closingBalances(t.db, q, now)]));
    expect(after).toEqual(before);
    expect(Object.values(before[0]![0]!.USD!).filter((v) => v > 0)).toHaveLength(5); // January to May
  });
});
