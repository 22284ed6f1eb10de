import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.ts';
import {
  balancesCsv,
  closingBalances,
  getInvoiceBook,
  months,
  netMovementByPeriod,
  parseReportQuery,
  revenueByMonth,
  revenueByMonthCsv,
  revenueEventTotals,
  revenueEventsCsv,
  revenueReportEndpoints,
  trialBalance,
  trialBalanceCsv,
  waterfall,
  waterfallCsv,
} from '../../src/reports/index.ts';
import { createInProcessDriver } from '../../src/cli/scenarios/inProcessDriver.ts';
import { runScenario } from '../../src/cli/scenarios/runScenario.ts';
import { readScenario } from '../../src/cli/scenarios/scenarioFile.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase.ts';

// S01 (365.00 over 2019, 100 a day, paid on issue) posted with the clock at Jul 1 2019:
// January .. June recognised (18,100), July .. December still scheduled.
const S01 = path.resolve(import.meta.dirname, '../../../shared/scenarios/S01-annual-365-usd-stripe-parity.json');
const NOW = new Date('2019-07-01T08:00:00Z');

describe('reports', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
    await runScenario(await readScenario(S01), createInProcessDriver(t.db, { now: NOW }));
  });
  afterAll(async () => {
    await t.drop();
  });

  it('revenue by month, balances and movement as of a day, in the FORMAT shapes', async () => {
    expect(await months(t.db, {}, NOW)).toEqual(['2019-01', '2019-02', '2019-03', '2019-04', '2019-05', '2019-06']);
    expect(await revenueByMonth(t.db, { from: '2019-02', to: '2019-03' }, NOW)).toEqual({ USD: { '2019-02': 2800, '2019-03': 3100 } });
    const closing = await closingBalances(t.db, { from: '2019-03', to: '2019-03' }, NOW);
    expect(closing).toEqual({ USD: { '2019-03': { AccountsReceivable: 0, Cash: 36500, DeferredRevenue: 27500, Revenue: 9000, TaxPayable: 0, CustomerCredit: 0 } } });
    const asOfMarch = await netMovementByPeriod(t.db, { asOf: '2019-03-15' }, NOW);
    // Entries are dated at the last service day of each month: March's is not in yet.
    expect(Object.keys(asOfMarch.USD!)).toEqual(['2019-01', '2019-02']);
    expect(await revenueByMonth(t.db, { currency: 'EUR' }, NOW)).toEqual({});
  });

  it('revenue event totals come from the emitted events', async () => {
    expect(await revenueEventTotals(t.db, {}, NOW)).toEqual({ USD: { RevenueDeferred: 36500, RevenueRecognized: 18100, RevenueAdjusted: 0, RevenueReversed: 0 } });
  });

  it('trial balance: debits equal credits', async () => {
    const tb = await trialBalance(t.db, { asOf: '2019-06-30' }, NOW);
    expect(tb.USD!.accounts).toMatchObject({ Cash: { debit: 36500, credit: 0 }, DeferredRevenue: { debit: 0, credit: 18400 }, Revenue: { debit: 0, credit: 18100 } });
    expect(tb.USD!.totals).toEqual({ debit: 36500, credit: 36500 });
    expect(trialBalanceCsv(tb).split('\r\n')[0]).toBe('currency,asOf,account,debit,credit');
  });

  it('waterfall: recognised to date and the schedule still ahead, by invoice month', async () => {
    const w = await waterfall(t.db, { asOf: '2019-06-30' }, NOW);
    expect(w).toEqual({
      USD: { '2019-01': { recognizedToDate: 18100, scheduled: { '2019-07': 3100, '2019-08': 3100, '2019-09': 3000, '2019-10': 3100, '2019-11': 3000, '2019-12': 3100 } } },
    });
    expect(waterfallCsv(w)).toContain('USD,2019-01,2019-09,3000\r\n');
  });

  it("an invoice's book: state, schedule and entries", async () => {
    const book = await getInvoiceBook(t.db, 'inv_s01');
    expect(book).toMatchObject({ invoiceId: 'inv_s01', status: 'paid', version: 1, total: 36500, amountPaid: 36500, amountDue: 0, currency: 'USD', issuedOn: '2019-01-01' });
    expect(book.schedule).toEqual([
      expect.objectContaining({ lineId: 'li_1', netAmount: 36500, recognizedToDate: 18100, servicePeriod: { start: '2019-01-01', end: '2020-01-01' } }),
    ]);
    expect(book.schedule[0]!.months['2019-02']).toBe(2800);
    expect(book.entries[0]).toMatchObject({ kind: 'invoice_issued', date: '2019-01-01', lines: [{ account: 'AccountsReceivable', debit: 36500, credit: 0 }, { account: 'DeferredRevenue', debit: 0, credit: 36500 }] });
    await expect(getInvoiceBook(t.db, 'nope')).rejects.toThrow(/no books/);
  });

  it('CSV for the tabular reports', async () => {
    const csv = revenueByMonthCsv(await revenueByMonth(t.db, { to: '2019-02' }, NOW));
    expect(csv).toBe('currency,month,revenue\r\nUSD,2019-01,3100\r\nUSD,2019-02,2800\r\n');
    expect(balancesCsv(await closingBalances(t.db, { from: '2019-01', to: '2019-01' }, NOW))).toBe(
      'currency,month,AccountsReceivable,Cash,DeferredRevenue,Revenue,TaxPayable,CustomerCredit\r\nUSD,2019-01,0,36500,33400,3100,0,0\r\n',
    );
  });

  it('every report route runs and renders CSV', async () => {
    for (const endpoint of revenueReportEndpoints) {
      const report = await endpoint.load(t.db, { asOf: '2019-06-30' }, NOW);
      const csv = report.csv();
      expect(csv.split('\r\n').length, endpoint.path).toBeGreaterThan(2);
    }
    expect(revenueEventsCsv(await revenueEventTotals(t.db, {}, NOW))).toBe(
      'currency,type,amount\r\nUSD,RevenueDeferred,36500\r\nUSD,RevenueRecognized,18100\r\nUSD,RevenueAdjusted,0\r\nUSD,RevenueReversed,0\r\n',
    );
  });

  it('validates query parameters and names the field', () => {
    expect(parseReportQuery({ currency: 'USD', from: '2019-01', asOf: '2019-12-31' })).toEqual({ currency: 'USD', from: '2019-01', asOf: '2019-12-31' });
    const err = (() => {
      try {
        parseReportQuery({ currency: 'usd' });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).issues[0]!.field).toBe('query.currency');
    expect(() => parseReportQuery({ from: '2019-05', to: '2019-01' })).toThrow(ValidationError);
  });
});
