import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewEvent } from '../../../src/events/appendEvents.ts';
import type { StoredEvent } from '../../../src/events/envelope.ts';
import { analyticsSubscriber, resetAnalytics } from '../../../src/subscribers/analytics/updateInvoiceAnalytics.ts';
import { getAgingBuckets, getMonthlyAggregates } from '../../../src/subscribers/analytics/queryAnalytics.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';
import { dispatch } from '../../helpers/dispatch.ts';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { appendTestEvents } from '../../helpers/appendTestEvent.ts';

const rev = (amount: number, lineId = 'r1') => ({ lineId, kind: 'revenue', description: 'Service', amount });
const created = (id: string, on: string, currency: string, lines: object[], dueDate?: string): NewEvent => ({
  type: 'InvoiceCreated', aggregateId: id, aggregateVersion: 1, occurredAt: on,
  data: { customerId: 'cus_1', currency, lines, ...(dueDate ? { dueDate } : {}) },
});
const payment = (type: 'InvoicePaymentReceived' | 'InvoicePaid', id: string, paymentId: string, amount: number, on: string): NewEvent => ({
  type, aggregateId: id, occurredAt: on, data: { paymentId, amount },
});

// Worked by hand in the comments; amounts in minor units.
const history: NewEvent[] = [
  // inv_a: 100.00 + 10.00 tax = 11000, due 02-09; 4000 paid 02-01.
  created('inv_a', '2026-01-10', 'USD', [rev(10_000), { lineId: 't1', kind: 'tax', amount: 1_000 }], '2026-02-09'),
  payment('InvoicePaymentReceived', 'inv_a', 'p1', 4_000, '2026-02-01'),
  // inv_b: 5000 - 500 discount = 4500, due 03-01; v2 corrects it to 6000 - 500 = 5500
  // (no dueDate in the update: 03-01 stays); paid in full 03-10, InvoicePaid repeats p2.
  created('inv_b', '2026-01-20', 'USD', [rev(5_000), { lineId: 'd1', kind: 'discount', amount: -500 }], '2026-03-01'),
  { type: 'InvoiceUpdated', aggregateId: 'inv_b', aggregateVersion: 2, occurredAt: '2026-02-01',
    data: { currency: 'USD', lines: [rev(6_000), { lineId: 'd1', kind: 'discount', amount: -500 }] } },
  payment('InvoicePaymentReceived', 'inv_b', 'p2', 5_500, '2026-03-10'),
  payment('InvoicePaid', 'inv_b', 'p2', 5_500, '2026-03-10'),
  // inv_c: 20000 due 04-04, 5000 paid 04-10.
  created('inv_c', '2026-03-05', 'USD', [rev(20_000)], '2026-04-04'),
  payment('InvoicePaymentReceived', 'inv_c', 'p3', 5_000, '2026-04-10'),
  // inv_d: 3000 due 04-19.
  created('inv_d', '2026-03-20', 'USD', [rev(3_000)], '2026-04-19'),
  // inv_e: 8000 issued 02-15, voided 03-01.
  created('inv_e', '2026-02-15', 'USD', [rev(8_000)], '2026-03-17'),
  { type: 'InvoiceVoided', aggregateId: 'inv_e', occurredAt: '2026-03-01', data: { reason: 'duplicate' } },
  // inv_f: imported without a due date; the imported InvoiceOverdue says it was due 01-04.
  { ...created('inv_f', '2026-01-05', 'USD', [rev(2_500)]), source: 'import', externalId: 'ext-f-1' },
  { type: 'InvoiceOverdue', aggregateId: 'inv_f', occurredAt: '2026-01-05', data: { dueDate: '2026-01-04', amountDue: 2_500 }, source: 'import', externalId: 'ext-f-2' },
  // inv_g: issued after the as-of date of the main check.
  created('inv_g', '2026-04-20', 'USD', [rev(1_000)], '2026-05-20'),
  // inv_h: 9000 EUR due 03-12, unpaid.
  created('inv_h', '2026-02-10', 'EUR', [rev(9_000)], '2026-03-12'),
];

describe('analytics subscriber', () => {
  let t: TestDatabase;
  let events: StoredEvent[];
  beforeAll(async () => {
    t = await createTestDatabase();
    events = await appendTestEvents(t.db, history);
  });
  afterAll(async () => {
    await t.drop();
  });
  const applyAll = async (list: StoredEvent[]) => {
    for (const e of list) await dispatch(t.db, analyticsSubscriber, e);
  };

  it('aggregates invoiced, collected, outstanding and overdue per currency and month', async () => {
    await applyAll(events);
    expect(await getMonthlyAggregates(t.db, '2026-04-15')).toEqual([
      // EUR 02: inv_h 9000 open, due 03-12 < 04-15.
      { currency: 'EUR', month: '2026-02', invoiced: 9_000, collected: 0, outstanding: 9_000, overdue: 9_000 },
      // USD 01: a 11000 + b 5500 (v2) + f 2500; open a 7000 + f 2500, both past due.
      { currency: 'USD', month: '2026-01', invoiced: 19_000, collected: 0, outstanding: 9_500, overdue: 9_500 },
      // USD 02: e was voided by 04-15; p1 4000 collected.
      { currency: 'USD', month: '2026-02', invoiced: 0, collected: 4_000, outstanding: 0, overdue: 0 },
      // USD 03: c 20000 + d 3000; p2 5500 once (InvoicePaid repeats it); open c 15000 (due 04-04) + d 3000 (due 04-19).
      { currency: 'USD', month: '2026-03', invoiced: 23_000, collected: 5_500, outstanding: 18_000, overdue: 15_000 },
      // USD 04: g is issued after 04-15; p3 5000 collected.
      { currency: 'USD', month: '2026-04', invoiced: 0, collected: 5_000, outstanding: 0, overdue: 0 },
    ]);
  });

  it('answers as of an earlier day from the same facts', async () => {
    expect(await getMonthlyAggregates(t.db, '2026-02-28')).toEqual([
      { currency: 'EUR', month: '2026-02', invoiced: 9_000, collected: 0, outstanding: 9_000, overdue: 0 },
      // b is not paid yet (03-10) and not due yet (03-01): outstanding, not overdue.
      { currency: 'USD', month: '2026-01', invoiced: 19_000, collected: 0, outstanding: 15_000, overdue: 9_500 },
      // e is not voided yet (03-01).
      { currency: 'USD', month: '2026-02', invoiced: 8_000, collected: 4_000, outstanding: 8_000, overdue: 0 },
    ]);
  });

  it('buckets open receivables by days past due (AR aging)', async () => {
    expect(await getAgingBuckets(t.db, '2026-04-15')).toEqual([
      // h: due 03-12, 34 days past due.
      { currency: 'EUR', current: 0, days1To30: 0, days31To60: 9_000, days61To90: 0, over90: 0, total: 9_000 },
      // d 3000 not due; c 15000 11 days; a 7000 65 days; f 2500 101 days.
      { currency: 'USD', current: 3_000, days1To30: 15_000, days31To60: 0, days61To90: 7_000, over90: 2_500, total: 27_500 },
    ]);
    // Bucket edges: on the due day it is current, the day after it is 1-30, day 30/31 split.
    const edges = async (asOf: string) => (await getAgingBuckets(t.db, asOf)).find((b) => b.currency === 'EUR')!;
    expect(await edges('2026-03-12')).toMatchObject({ current: 9_000 });
    expect(await edges('2026-03-13')).toMatchObject({ days1To30: 9_000 });
    expect(await edges('2026-04-11')).toMatchObject({ days1To30: 9_000 });
    expect(await edges('2026-04-12')).toMatchObject({ days31To60: 9_000 });
    expect(await edges('2026-06-10')).toMatchObject({ days61To90: 9_000 }); // 90 days
    expect(await edges('2026-06-11')).toMatchObject({ over90: 9_000 });
  });

  it('keeps per-invoice facts with their status', async () => {
    const rows = await t.db
      .selectFrom('analytics_invoice_status')
      .select(['invoice_id', 'total', 'amount_paid', 'amount_due', 'due_date', 'status'])
      .orderBy('invoice_id')
      .execute();
    expect(rows).toEqual([
      { invoice_id: 'inv_a', total: 11_000, amount_paid: 4_000, amount_due: 7_000, due_date: '2026-02-09', status: 'open' },
      { invoice_id: 'inv_b', total: 5_500, amount_paid: 5_500, amount_due: 0, due_date: '2026-03-01', status: 'paid' },
      { invoice_id: 'inv_c', total: 20_000, amount_paid: 5_000, amount_due: 15_000, due_date: '2026-04-04', status: 'open' },
      { invoice_id: 'inv_d', total: 3_000, amount_paid: 0, amount_due: 3_000, due_date: '2026-04-19', status: 'open' },
      { invoice_id: 'inv_e', total: 8_000, amount_paid: 0, amount_due: 0, due_date: '2026-03-17', status: 'void' },
      { invoice_id: 'inv_f', total: 2_500, amount_paid: 0, amount_due: 2_500, due_date: '2026-01-04', status: 'open' },
      { invoice_id: 'inv_g', total: 1_000, amount_paid: 0, amount_due: 1_000, due_date: '2026-05-20', status: 'open' },
      { invoice_id: 'inv_h', total: 9_000, amount_paid: 0, amount_due: 9_000, due_date: '2026-03-12', status: 'open' },
    ]);
  });

  it('reset and rebuild, in reverse or shuffled order and with repeats, gives the same aggregates', async () => {
    const snapshot = async () => ({
      monthly: [await getMonthlyAggregates(t.db, '2026-04-15'), await getMonthlyAggregates(t.db, '2026-02-28')],
      aging: await getAgingBuckets(t.db, '2026-04-15'),
      facts: await t.db.selectFrom('analytics_invoices').select(['invoice_id', 'currency', 'issued_on', 'due_date', 'total', 'tax', 'version', 'voided_on']).orderBy('invoice_id').execute(),
    });
    const expected = await snapshot();
    expect(expected.facts).toHaveLength(8);

    await t.db.transaction().execute((tx) => analyticsSubscriber.reset(tx)); // as `accrue rebuild` does
    expect(await getMonthlyAggregates(t.db, '2026-04-15')).toEqual([]);
    await applyAll([...events].reverse());
    expect(await snapshot()).toEqual(expected);

    for (const seed of [1, 2, 3]) {
      await resetAnalytics(t.db);
      const shuffled = shuffle(events, seed);
      await applyAll([...shuffled, ...shuffled.slice(0, 5)]);
      expect(await snapshot()).toEqual(expected);
    }

    // handleBatch (the worker's path): the whole history as one batch, in any order, with
    // repeats in the batch (an invoice's events land in different waves of one statement each).
    for (const seed of [0, 4, 5]) {
      await resetAnalytics(t.db);
      const batch = seed === 0 ? events : shuffle(events, seed);
      await t.db.transaction().execute((tx) => analyticsSubscriber.handleBatch([...batch, ...batch.slice(0, 4)], { db: tx, log: silentLogger, now: new Date() }));
      expect(await snapshot()).toEqual(expected);
    }
  });
});

/** Deterministic Fisher-Yates with a small LCG, so a failure can be reproduced. */
function shuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  const next = () => (s = (s * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
