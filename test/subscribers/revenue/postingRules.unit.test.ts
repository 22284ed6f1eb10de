import { describe, expect, it } from 'vitest';
import { movementBalances } from '../../../src/subscribers/revenue/accounts.ts';
import type { IncomingEvent, PostingClock } from '../../../src/subscribers/revenue/postInvoiceEvent.ts';
import { discount, ev, pointInTime, ratable, tax } from './events.ts';
import { memoryBooks } from './memoryBooks.ts';

// Given/when/then over the pure posting code (no database). Numbers worked by hand.
const LATE: PostingClock = { today: '2026-11-26', firstOpenDay: null };

function deliver(events: IncomingEvent[], clock: PostingClock = LATE) {
  const b = memoryBooks();
  for (const e of events) b.apply(e, clock);
  return b;
}

// 181.00 over 181 days (Jan 1 .. Jul 1 2019): 100 a day.
const create181 = ev.created('c', 'inv', '2019-01-01', [ratable('l1', 18100, '2019-01-01', '2019-07-01')]);
const half = ev.updated('u2', 'inv', '2019-02-01', 2, [ratable('l1', 9050, '2019-01-01', '2019-07-01')]);
const fifth = ev.updated('u3', 'inv', '2019-03-01', 3, [ratable('l1', 3620, '2019-01-01', '2019-07-01')]);

describe('duplicates', () => {
  it('a repeated eventId changes nothing, and a paymentId is posted once whatever event repeats it', () => {
    const once = deliver([create181, ev.paid('p', 'inv', '2019-01-05', 'pay_1', 18100, 'InvoicePaymentReceived')]);
    const twice = deliver([
      create181,
      ev.paid('p', 'inv', '2019-01-05', 'pay_1', 18100, 'InvoicePaymentReceived'),
      create181,
      ev.paid('p', 'inv', '2019-01-05', 'pay_1', 18100, 'InvoicePaymentReceived'),
      ev.paid('p2', 'inv', '2019-01-05', 'pay_1', 18100, 'InvoicePaid'),
    ]);
    expect(twice.journal).toEqual(once.journal);
    expect(twice.activeMonths().USD!['2019-01']!.Cash).toBe(18100);
    expect(twice.outcomes.get('inv')).toMatchObject({ status: 'paid', amountPaid: 18100, amountDue: 0 });
  });
});

describe('out-of-order delivery', () => {
  it('a payment before its invoice is held, then applied right after InvoiceCreated', () => {
    const pay = ev.paid('p', 'inv', '2019-01-10', 'pay_1', 5000);
    const early = deliver([pay]);
    expect(early.journal).toEqual([]);
    expect(early.books.get('inv')!.parked).toHaveLength(1);
    const b = deliver([pay, create181]);
    // Jan: AR 18100 - 5000, Cash 5000, revenue 31 days x 100.
    expect(b.activeMonths().USD!['2019-01']).toEqual({ AccountsReceivable: 13100, Cash: 5000, DeferredRevenue: 15000, Revenue: 3100, TaxPayable: 0, CustomerCredit: 0 });
    expect(b.outcomes.get('inv')).toMatchObject({ status: 'open', amountPaid: 5000, amountDue: 13100 });
    expect(b.activeMonths()).toEqual(deliver([create181, pay]).activeMonths());
  });

  it('a void before its invoice gives the void books (S05 reversed)', () => {
    const create = ev.created('c', 'inv', '2019-01-01', [ratable('l1', 9000, '2019-01-01', '2019-04-01')]);
    const b = deliver([ev.voided('v', 'inv', '2019-02-01'), create]);
    expect(b.revenueByMonth()).toEqual({ USD: { '2019-01': 3100, '2019-02': -3100 } });
    expect(b.revenueEvents().USD).toEqual({ RevenueDeferred: 9000, RevenueRecognized: 3100, RevenueAdjusted: 0, RevenueReversed: 3100 });
    expect(b.outcomes.get('inv')).toMatchObject({ status: 'void', total: 0, amountDue: 0 });
  });

  it('an update before its invoice gives the books of S07', () => {
    const b = deliver([half, create181]);
    // Feb: adjustment 1550 - 3100 = -1550, then 2950 - 1550 = 1400 recognised.
    expect(b.revenueByMonth().USD).toEqual({ '2019-01': 3100, '2019-02': -150, '2019-03': 1550, '2019-04': 1500, '2019-05': 1550, '2019-06': 1500 });
    expect(b.revenueEvents().USD!.RevenueAdjusted).toBe(-1550);
  });

  it('two updates out of order give the books of in-order delivery', () => {
    // v2 (90.50) on Feb 1, v3 (36.20, 20 a day) on Mar 1.
    // Mar 1: C3 = 20 x 59 = 1180, C2 = 50 x 59 = 2950: adjustment -1770; March recognises 1800 - 1180 = 620.
    const expected = { '2019-01': 3100, '2019-02': -150, '2019-03': -1150, '2019-04': 600, '2019-05': 620, '2019-06': 600 };
    const inOrder = deliver([create181, half, fifth]);
    const reversed = deliver([fifth, half, create181]);
    const shuffled = deliver([create181, fifth, half]);
    for (const b of [inOrder, reversed, shuffled]) {
      expect(b.revenueByMonth().USD).toEqual(expected);
      expect(b.outcomes.get('inv')).toMatchObject({ version: 3, total: 3620, netRevenue: 3620, amountDue: 3620 });
    }
    expect(reversed.activeMonths()).toEqual(inOrder.activeMonths());
  });
});

describe('stale versions', () => {
  it('an update whose version is not above the one in effect at its date is ignored, in any order', () => {
    // v3 (90.50) on Feb 1 is in effect when v2 (36.20) claims Mar 1: v2 is stale.
    const v3 = ev.updated('u3', 'inv', '2019-02-01', 3, [ratable('l1', 9050, '2019-01-01', '2019-07-01')]);
    const v2 = ev.updated('u2', 'inv', '2019-03-01', 2, [ratable('l1', 3620, '2019-01-01', '2019-07-01')]);
    const s07 = { '2019-01': 3100, '2019-02': -150, '2019-03': 1550, '2019-04': 1500, '2019-05': 1550, '2019-06': 1500 };
    for (const order of [[create181, v3, v2], [create181, v2, v3], [v2, create181, v3]]) {
      const b = deliver(order);
      expect(b.revenueByMonth().USD).toEqual(s07);
      expect(b.outcomes.get('inv')).toMatchObject({ version: 3, total: 9050 });
    }
  });

  it('an update with the create version or an already used version is ignored', () => {
    const sameAsCreate = ev.updated('u1', 'inv', '2019-02-01', 1, [ratable('l1', 1, '2019-01-01', '2019-07-01')]);
    const again = ev.updated('u2b', 'inv', '2019-02-05', 2, [ratable('l1', 1, '2019-01-01', '2019-07-01')]);
    const b = deliver([create181, half, sameAsCreate, again]);
    expect(b.activeMonths()).toEqual(deliver([create181, half]).activeMonths());
    expect(b.outcomes.get('inv')).toMatchObject({ version: 2, total: 9050 });
  });
});

describe('closed periods', () => {
  const closedJan: PostingClock = { today: '2026-11-26', firstOpenDay: '2019-02-01' };

  it('a late update dated in a closed month takes effect on the first open day; January is untouched', () => {
    const b = memoryBooks();
    b.apply(create181, LATE);
    const late = ev.updated('u2', 'inv', '2019-01-20', 2, [ratable('l1', 9050, '2019-01-01', '2019-07-01')]);
    const result = b.apply(late, closedJan);
    expect(result.entries.every((e) => e.entryDate >= '2019-02-01')).toBe(true);
    // Same as an update on Feb 1 (S07): adjustment at Feb 1 = 1550 - 3100.
    expect(b.revenueByMonth().USD).toEqual({ '2019-01': 3100, '2019-02': -150, '2019-03': 1550, '2019-04': 1500, '2019-05': 1550, '2019-06': 1500 });
  });

  it('an invoice created in a closed month is issued on the first open day with catch-up computed there', () => {
    // 90.00 over Jan 1 .. Apr 1 (90 days, 100 a day); Jan and Feb closed: issued Mar 1,
    // catch-up C(Mar 1) = 59 days = 5900, plus March's 3100.
    const b = deliver([ev.created('c', 'inv', '2019-01-01', [ratable('l1', 9000, '2019-01-01', '2019-04-01')]), ev.paid('p', 'inv', '2019-01-02', 'pay', 9000)], {
      today: '2026-11-26',
      firstOpenDay: '2019-03-01',
    });
    expect(b.activeMonths()).toEqual({ USD: { '2019-03': { AccountsReceivable: 0, Cash: 9000, DeferredRevenue: 0, Revenue: 9000, TaxPayable: 0, CustomerCredit: 0 } } });
    expect(b.journal[0]).toMatchObject({ kind: 'invoice_issued', entryDate: '2019-03-01' });
  });
});

describe('discounts', () => {
  it('an unassigned discount is split over positive revenue lines by largest remainder, ties to the earlier line', () => {
    // -100 over 3 x 1000: 33.33 each -> 33/33/33, the 1 left goes to the first line.
    const b = deliver([ev.created('c', 'inv', '2019-05-10', [pointInTime('a', 1000), pointInTime('b', 1000), pointInTime('c', 1000), discount('d', -100)])]);
    const lines = b.outcomes.get('inv')!.lines.map((l) => [l.lineId, l.amount]);
    expect(lines).toEqual([['a', 966], ['b', 967], ['c', 967]]);
    expect(b.revenueByMonth().USD).toEqual({ '2019-05': 2900 });
  });

  it('the largest fraction wins the remainder', () => {
    // -50 over 1000 and 2000: 16.67 and 33.33 -> 16 + 33 = 49; the 1 goes to line a (.67 > .33).
    const b = deliver([ev.created('c', 'inv', '2019-05-10', [pointInTime('a', 1000), pointInTime('b', 2000), pointInTime('neg', -300), discount('d', -50)])]);
    expect(b.outcomes.get('inv')!.lines.map((l) => l.amount)).toEqual([983, 1967, -300]);
    expect(b.outcomes.get('inv')).toMatchObject({ total: 2650, netRevenue: 2650 });
  });

  it('a discount naming a line reduces that line only, and it is recognised on its net', () => {
    // b: 3100 - 1550 = 1550 over January (31 days, 50 a day): Jan 15 is 14 days = 700.
    const b = deliver(
      [ev.created('c', 'inv', '2019-01-01', [pointInTime('a', 1000), ratable('b', 3100, '2019-01-01', '2019-02-01'), discount('d', -1550, 'b')])],
      { today: '2019-01-15', firstOpenDay: null },
    );
    expect(b.outcomes.get('inv')!.lines.map((l) => [l.lineId, l.amount, l.recognized])).toEqual([['a', 1000, 1000], ['b', 1550, 700]]);
  });
});

describe('point in time, tax and zero amounts', () => {
  it('a line without a service period is recognised in full on the issue date; tax goes to TaxPayable only', () => {
    const b = deliver([ev.created('c', 'inv', '2019-03-15', [pointInTime('setup', 5000), ratable('m', 3100, '2019-03-01', '2019-04-01'), tax('t', 810)])]);
    const setup = b.journal.filter((e) => e.lineId === 'setup');
    expect(setup).toEqual([expect.objectContaining({ kind: 'recognition', entryDate: '2019-03-15', movement: expect.objectContaining({ Revenue: -5000 }) })]);
    expect(b.activeMonths().USD!['2019-03']).toEqual({ AccountsReceivable: 8910, Cash: 0, DeferredRevenue: 0, Revenue: 8100, TaxPayable: 810, CustomerCredit: 0 });
  });

  it('a zero payment posts nothing; a zero invoice posts nothing and is paid; no entry has all-zero lines', () => {
    const b = deliver([
      ev.created('c', 'zero', '2019-03-15', [pointInTime('free', 0)]),
      ev.created('c2', 'inv', '2019-03-15', [pointInTime('x', 1000)]),
      ev.paid('p', 'inv', '2019-03-16', 'pay0', 0),
    ]);
    expect(b.journal.filter((e) => e.invoiceId === 'zero')).toEqual([]);
    expect(b.journal.filter((e) => e.kind === 'payment_received')).toEqual([]);
    expect(b.outcomes.get('zero')).toMatchObject({ status: 'paid', total: 0, amountDue: 0 });
    expect(b.journal.every((e) => movementBalances(e.movement) && Object.values(e.movement).some((v) => v !== 0))).toBe(true);
  });
});

describe('calendar and currencies', () => {
  it('leap year: 366.00 over 2024 is 100 a day, February has 29 days', () => {
    const b = deliver([ev.created('c', 'inv', '2024-01-01', [ratable('l', 36600, '2024-01-01', '2025-01-01')])]);
    expect(b.revenueByMonth().USD!['2024-02']).toBe(2900);
    expect(Object.values(b.revenueByMonth().USD!).reduce((s, v) => s + v, 0)).toBe(36600);
  });

  it('zero-decimal JPY: 1000 yen over 3 days from Jan 30 gives floor(2000/3) = 666 in January and 334 in February', () => {
    const b = deliver([ev.created('c', 'inv', '2024-01-30', [ratable('l', 1000, '2024-01-30', '2024-02-02')], 'JPY')]);
    expect(b.revenueByMonth()).toEqual({ JPY: { '2024-01': 666, '2024-02': 334 } });
  });

  it('several currencies are kept apart', () => {
    const b = deliver([
      ev.created('c1', 'usd', '2024-01-01', [pointInTime('l', 1000)], 'USD'),
      ev.created('c2', 'eur', '2024-01-01', [pointInTime('l', 2000)], 'EUR'),
      ev.paid('p', 'eur', '2024-01-02', 'pay', 2000),
    ]);
    expect(b.revenueByMonth()).toEqual({ USD: { '2024-01': 1000 }, EUR: { '2024-01': 2000 } });
    expect(b.activeMonths().USD!['2024-01']!.Cash).toBe(0);
    expect(b.activeMonths().EUR!['2024-01']!.Cash).toBe(2000);
  });
});

describe('payments beyond the receivable and void', () => {
  it('overpayment and payments on a void invoice go to CustomerCredit; void moves money already paid there', () => {
    const create = ev.created('c', 'inv', '2019-01-01', [ratable('l1', 9000, '2019-01-01', '2019-04-01')]);
    const b = deliver([create, ev.paid('p1', 'inv', '2019-01-10', 'pay1', 10000), ev.voided('v', 'inv', '2019-02-01', 'InvoiceDeleted'), ev.paid('p2', 'inv', '2019-02-10', 'pay2', 500)]);
    const m = b.activeMonths().USD!;
    expect(m['2019-01']).toEqual({ AccountsReceivable: 0, Cash: 10000, DeferredRevenue: 5900, Revenue: 3100, TaxPayable: 0, CustomerCredit: 1000 });
    // Feb: reversal 3100; void clears deferred 9000, AR 0 open, 9000 paid -> credit; +500 after void.
    expect(m['2019-02']).toEqual({ AccountsReceivable: 0, Cash: 500, DeferredRevenue: -5900, Revenue: -3100, TaxPayable: 0, CustomerCredit: 9500 });
    expect(b.outcomes.get('inv')).toMatchObject({ status: 'void', amountPaid: 10500, amountDue: 0 });
  });
});

describe('the clock', () => {
  it('recognises only days that have passed, and catches up on the next event', () => {
    const b = memoryBooks();
    b.apply(ev.created('c', 'inv', '2019-01-01', [ratable('l', 36500, '2019-01-01', '2020-01-01')]), { today: '2019-01-16', firstOpenDay: null });
    expect(b.revenueByMonth().USD).toEqual({ '2019-01': 1500 });
    b.apply(ev.paid('p', 'inv', '2019-02-01', 'pay', 100), { today: '2019-02-10', firstOpenDay: null });
    expect(b.revenueByMonth().USD).toEqual({ '2019-01': 3100, '2019-02': 900 });
  });
});
