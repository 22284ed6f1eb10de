import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStream } from '../../../src/events/appendEvents.ts';
import { cumulativeSql, recognizeDueLines } from '../../../src/subscribers/revenue/ledger/recognizeDueLines.ts';
import { addDays, firstDayOfMonth, monthOf, nextMonth } from '../../../src/values/dates.ts';
import { cumulative, type NetLine } from '../../../src/subscribers/revenue/recognition.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';

// C(t) is written twice: in TypeScript for postings (src/subscribers/revenue/recognition.ts) and in
// SQL for the set-based daily run (cumulativeSql). These properties run the SQL on the
// real database and hold it to the TypeScript over random amounts, periods and dates.

const amount = fc.oneof(
  fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }),
  // |A| * days passes 2^53 here: the TypeScript switches to BigInt, the SQL is numeric.
  fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
);
const day = fc.integer({ min: 0, max: 365 * 30 }).map((n) => addDays('2000-01-01', n));
const line = fc.record({ amount, start: day, days: fc.integer({ min: 1, max: 1200 }) });

describe('C(t) in SQL equals C(t) in TypeScript', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase({ poolMax: 2 });
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('for any amount, service period and day, before, inside or after the period', async () => {
    await fc.assert(
      fc.asyncProperty(line, fc.integer({ min: -400, max: 1600 }), async ({ amount, start, days }, offset) => {
        const net: NetLine = { lineId: 'l', amount, servicePeriod: { start, end: addDays(start, days) } };
        const at = addDays(start, offset);
        const { rows } = await sql<{ c: number }>`
          SELECT ${cumulativeSql(sql`${amount}::bigint`, sql`${start}::date`, sql`${net.servicePeriod!.end}::date`, sql`${at}::date`)} AS c
        `.execute(t.db);
        // + 0: the TypeScript gives -0 for a negative line with nothing recognised yet; the same amount.
        expect(rows[0]!.c, `C(${at}) of ${amount} over ${start} + ${days} days`).toBe(cumulative(net, at) + 0);
      }),
      { numRuns: 400 },
    );
  });

  it('the daily run posts, per line and month, C(month end) - C(month start) and leaves the line at C(horizon)', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        line,
        fc.array(fc.integer({ min: 1, max: 500 }), { minLength: 1, maxLength: 3 }),
        async ({ amount, start, days }, steps) => {
          const invoiceId = `prop_${++n}`;
          const end = addDays(start, days);
          const net: NetLine = { lineId: 'l1', amount, servicePeriod: { start, end } };
          await sql`
            INSERT INTO revenue_invoices (invoice_id, currency, status, version, total, net_revenue, amount_due, issued_on, first_event_on, horizon)
            VALUES (${invoiceId}, 'USD', 'open', 1, 0, 0, 0, ${start}::date, ${start}::date, ${start}::date)
          `.execute(t.db);
          await sql`
            INSERT INTO revenue_lines (invoice_id, line_id, currency, position, net_amount, service_start, service_end, recognized, recognized_through, active)
            VALUES (${invoiceId}, 'l1', 'USD', 0, ${amount}, ${start}::date, ${end}::date, 0, ${start}::date, true)
          `.execute(t.db);
          let horizon = start;
          for (const step of steps) {
            horizon = addDays(horizon, step);
            await t.db.transaction().execute((tx) => recognizeDueLines(tx, { horizon, firstOpenDay: null, correlationId: invoiceId, limit: 1_000_000 }));
          }
          const stored = await t.db.selectFrom('revenue_lines').select(['recognized', 'active']).where('invoice_id', '=', invoiceId).executeTakeFirstOrThrow();
          expect(stored).toEqual({ recognized: cumulative(net, horizon) + 0, active: horizon < end });

          const entries = await t.db.selectFrom('ledger_entries').select(['origin_date', 'revenue']).where('invoice_id', '=', invoiceId).execute();
          const byMonth = new Map<string, number>();
          for (const e of entries) byMonth.set(monthOf(e.origin_date), (byMonth.get(monthOf(e.origin_date)) ?? 0) - e.revenue);
          const expected = new Map<string, number>();
          const last = horizon < end ? horizon : end;
          for (let m = monthOf(start); firstDayOfMonth(m) < last; m = nextMonth(m)) {
            const from = firstDayOfMonth(m) > start ? firstDayOfMonth(m) : start;
            const to = firstDayOfMonth(nextMonth(m)) < last ? firstDayOfMonth(nextMonth(m)) : last;
            const c = cumulative(net, to) - cumulative(net, from) + 0;
            if (c !== 0) expected.set(m, c);
          }
          for (const [m, v] of [...byMonth]) if (v === 0) byMonth.delete(m);
          expect(Object.fromEntries(byMonth)).toEqual(Object.fromEntries(expected));

          // One RevenueRecognized event per entry, carrying the entry's amount.
          const events = await readStream(t.db, 'invoice', invoiceId);
          expect(events.map((e) => e.type)).toEqual(entries.map(() => 'RevenueRecognized'));
          expect(events.reduce((s, e) => s + (e.data as { amount: number }).amount, 0)).toBe(cumulative(net, horizon) + 0);
        },
      ),
      { numRuns: 40 },
    );
  });
});
