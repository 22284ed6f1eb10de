import { describe, expect, it } from 'vitest';
import type { IncomingEvent, PostingClock } from '../../../src/subscribers/revenue/postInvoiceEvent.ts';
import { ev, pointInTime, ratable } from './events.ts';
import { memoryBooks } from './memoryBooks.ts';

// The rules of FORMAT.json conventions.payments and idempotencyAndOrdering that the
// ledger itself enforces (issue 16), given/when/then over the pure posting code.
const LATE: PostingClock = { today: '2026-11-26', firstOpenDay: null };

function deliver(events: IncomingEvent[], clock: PostingClock = LATE) {
  const b = memoryBooks();
  for (const e of events) b.apply(e, clock);
  return b;
}

/** Closing balances (natural sign) over the whole journal. */
function balances(b: ReturnType<typeof memoryBooks>) {
  const out = { AccountsReceivable: 0, Cash: 0, DeferredRevenue: 0, Revenue: 0, TaxPayable: 0, CustomerCredit: 0 };
  for (const byMonth of Object.values(b.netMovement())) for (const m of Object.values(byMonth)) for (const k of Object.keys(out) as (keyof typeof out)[]) out[k] += m[k];
  return out;
}

const create100 = ev.created('c', 'inv', '2019-02-01', [pointInTime('setup', 10000)]);
const pay100 = ev.paid('p', 'inv', '2019-02-01', 'pay_1', 10000);
const cutTo60 = (on: string) => ev.updated('u2', 'inv', on, 2, [pointInTime('setup', 6000)]);

describe('a price cut below what was paid', () => {
  const expected = { AccountsReceivable: 0, Cash: 10000, DeferredRevenue: 0, Revenue: 6000, TaxPayable: 0, CustomerCredit: 4000 };

  it('moves the excess from AR to CustomerCredit on the update date: 100.00 paid Feb 1, cut to 60.00 Feb 2', () => {
    const b = deliver([create100, pay100, cutTo60('2019-02-02')]);
    expect(balances(b)).toEqual(expected);
    expect(b.outcomes.get('inv')).toMatchObject({ status: 'paid', total: 6000, amountPaid: 10000, amountDue: 0 });
    const update = b.journal.find((e) => e.kind === 'invoice_updated')!;
    expect(update).toMatchObject({ entryDate: '2019-02-02', movement: expect.objectContaining({ AccountsReceivable: 0, CustomerCredit: -4000 }) });
  });

  it('gives the same books as the payment and the cut on one day, in any delivery order', () => {
    for (const order of [[create100, pay100, cutTo60('2019-02-01')], [cutTo60('2019-02-01'), pay100, create100], [create100, cutTo60('2019-02-02'), pay100]]) {
      const b = deliver(order);
      expect(balances(b)).toEqual(expected);
      expect(b.outcomes.get('inv')).toMatchObject({ status: 'paid', amountDue: 0 });
    }
  });

  it('an update raising the total again draws that credit back first', () => {
    const raise = ev.updated('u3', 'inv', '2019-02-03', 3, [pointInTime('setup', 8000)]);
    const b = deliver([create100, pay100, cutTo60('2019-02-02'), raise]);
    expect(balances(b)).toEqual({ AccountsReceivable: 0, Cash: 10000, DeferredRevenue: 0, Revenue: 8000, TaxPayable: 0, CustomerCredit: 2000 });
    const above = ev.updated('u3', 'inv', '2019-02-03', 3, [pointInTime('setup', 12000)]);
    const c = deliver([create100, pay100, cutTo60('2019-02-02'), above]);
    expect(balances(c)).toEqual({ AccountsReceivable: 2000, Cash: 10000, DeferredRevenue: 0, Revenue: 12000, TaxPayable: 0, CustomerCredit: 0 });
    expect(c.outcomes.get('inv')).toMatchObject({ status: 'open', amountDue: 2000 });
  });

  it('a void after a cut moves the rest of the cash to CustomerCredit: all 100.00 held for the customer', () => {
    const b = deliver([create100, pay100, cutTo60('2019-02-02'), ev.voided('v', 'inv', '2019-02-03')]);
    expect(balances(b)).toEqual({ AccountsReceivable: 0, Cash: 10000, DeferredRevenue: 0, Revenue: 0, TaxPayable: 0, CustomerCredit: 10000 });
  });
});

describe('same-day order: created, updates by version, payments by paymentId, void/delete', () => {
  const on = '2019-03-10';
  const created = ev.created('c', 'inv', on, [pointInTime('a', 10000)]);
  const v2 = ev.updated('u2', 'inv', on, 2, [pointInTime('a', 7000)]);
  const v3 = ev.updated('u3', 'inv', on, 3, [pointInTime('a', 4000)]);
  const p1 = ev.paid('z-p1', 'inv', on, 'pay_1', 5000, 'InvoicePaymentReceived');
  const p2 = ev.paid('a-p2', 'inv', on, 'pay_2', 3000, 'InvoicePaymentReceived');
  const voided = ev.voided('v', 'inv', on);
  const deleted = ev.voided('d', 'inv', on, 'InvoiceDeleted');

  // Each pair in both delivery orders (with the invoice created the same day), and what the fixed order means.
  /** AR credited per paymentId, summed over the journal (a late payment's rows are corrections). */
  const toReceivable = (b: ReturnType<typeof deliver>) => {
    const out: Record<string, number> = {};
    for (const e of b.journal) if (e.paymentId) out[e.paymentId] = (out[e.paymentId] ?? 0) - e.movement.AccountsReceivable;
    return out;
  };

  // [name, the rest of the history, first, second, what the fixed order means]
  const pairs: [string, IncomingEvent[], IncomingEvent, IncomingEvent, (b: ReturnType<typeof deliver>) => void][] = [
    ['InvoiceCreated, InvoiceUpdated', [], created, v2, (b) => expect(b.outcomes.get('inv')).toMatchObject({ version: 2, total: 7000 })],
    ['InvoiceCreated, payment', [], created, p1, (b) => expect(balances(b)).toMatchObject({ AccountsReceivable: 5000, CustomerCredit: 0 })],
    ['InvoiceCreated, void', [], created, voided, (b) => expect(b.outcomes.get('inv')).toMatchObject({ status: 'void', amountDue: 0 })],
    ['InvoiceUpdated v2, v3', [created], v2, v3, (b) => expect(b.outcomes.get('inv')).toMatchObject({ version: 3, total: 4000 })],
    // The cut applies before the payment: 5000 on a 4000 invoice leaves 1000 of credit, AR 0.
    ['InvoiceUpdated, payment', [created], v3, p1, (b) => expect(balances(b)).toMatchObject({ AccountsReceivable: 0, CustomerCredit: 1000, Revenue: 4000 })],
    ['InvoiceUpdated, void', [created], v2, voided, (b) => expect(balances(b)).toMatchObject({ Revenue: 0, DeferredRevenue: 0, AccountsReceivable: 0 })],
    // pay_1 before pay_2 whatever their eventIds sort as: on the 4000 invoice pay_1 (5000) takes all the AR.
    ['payment pay_1, pay_2', [created, v3], p1, p2, (b) => expect(toReceivable(b)).toEqual({ pay_1: 4000, pay_2: 0 })],
    // The payment lands on the receivable before the void: the void moves it to credit.
    ['payment, void', [created], p1, voided, (b) => expect(balances(b)).toMatchObject({ AccountsReceivable: 0, Cash: 5000, CustomerCredit: 5000 })],
    ['payment, delete', [created], p1, deleted, (b) => expect(balances(b)).toMatchObject({ AccountsReceivable: 0, Cash: 5000, CustomerCredit: 5000 })],
  ];

  for (const [name, rest, a, b, check] of pairs) {
    it(`${name}: the same books whichever arrives first`, () => {
      const first = deliver([...rest, a, b]);
      const second = deliver([b, a, ...rest]);
      expect(second.activeMonths()).toEqual(first.activeMonths());
      expect(second.outcomes.get('inv')).toEqual(first.outcomes.get('inv'));
      check(first);
    });
  }
});

describe('the clock', () => {
  const yearly = ev.created('c', 'inv', '2019-01-01', [ratable('l', 36500, '2019-01-01', '2020-01-01')]);
  const today: PostingClock = { today: '2019-01-16', firstOpenDay: null };

  it('an event dated tomorrow does not recognise today: 15 days, not 16', () => {
    const b = deliver([yearly, ev.paid('p', 'inv', '2019-01-17', 'pay', 100)], today);
    expect(b.revenueByMonth().USD).toEqual({ '2019-01': 1500 });
    expect(b.books.get('inv')!.horizon).toBe('2019-01-16');
  });

  it('an update or void dated tomorrow takes its catch-up where recognition stands, and the books converge once the day passes', () => {
    const cut = ev.updated('u2', 'inv', '2019-01-17', 2, [ratable('l', 18250, '2019-01-01', '2020-01-01')]);
    const early = memoryBooks();
    early.apply(yearly, today);
    early.apply(cut, today);
    // Recognised: 15 days at 100; the catch-up at Jan 16 is 15 x 50 - 1500 = -750.
    expect(early.revenueByMonth().USD).toEqual({ '2019-01': 750 });
    early.apply(yearly, LATE);
    expect(early.activeMonths()).toEqual(deliver([yearly, cut]).activeMonths());

    const v = memoryBooks();
    v.apply(yearly, today);
    v.apply(ev.voided('v', 'inv', '2019-01-17'), today);
    // 1500 recognised, 1500 reversed on the 17th: nothing left, nothing ahead.
    expect(v.revenueByMonth()).toEqual({});
    expect(v.revenueEvents().USD).toMatchObject({ RevenueRecognized: 1500, RevenueReversed: 1500 });
  });
});
