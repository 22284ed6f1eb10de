import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isZeroMovement, movementBalances } from '../../src/revenue/accounts.ts';
import { addDays } from '../../src/lib/dates.ts';
import type { IncomingEvent, PostingClock } from '../../src/revenue/postInvoiceEvent.ts';
import { ev } from './events.ts';
import { memoryBooks } from './memoryBooks.ts';

// Random invoice histories (creates, updates, payments with repeated ids, voids,
// discounts, tax, negative and point-in-time lines, service before issue, leap days),
// posted with the pure code. Today is after every service period.
const CLOCK: PostingClock = { today: '2026-11-26', firstOpenDay: null };
const BASE = '2023-12-01';

type Line = Parameters<typeof ev.created>[3][number];

const revenueLine = (lineId: string, issueOffset: number) =>
  fc.record({
    amount: fc.integer({ min: -5000, max: 100_000 }),
    start: fc.integer({ min: -60, max: 60 }),
    days: fc.integer({ min: 1, max: 400 }),
    pointInTime: fc.boolean(),
  }).map(({ amount, start, days, pointInTime }): Line =>
    pointInTime
      ? { lineId, kind: 'revenue', amount }
      : { lineId, kind: 'revenue', amount, servicePeriod: { start: addDays(BASE, issueOffset + start), end: addDays(BASE, issueOffset + start + days) } },
  );

const invoiceLines = (issueOffset: number) =>
  fc
    .tuple(
      fc.subarray(['a', 'b', 'c'], { minLength: 1 }),
      fc.option(fc.record({ amount: fc.integer({ min: -500, max: 0 }), targeted: fc.boolean() }), { nil: undefined }),
      fc.option(fc.integer({ min: 0, max: 1000 }), { nil: undefined }),
    )
    .chain(([ids, disc, taxAmount]) =>
      fc.tuple(...ids.map((id) => revenueLine(id, issueOffset))).map((revenue) => {
        const lines: Line[] = [...revenue];
        if (disc) lines.push({ lineId: 'd', kind: 'discount', amount: disc.amount, ...(disc.targeted ? { appliesToLineId: ids[0]! } : {}) });
        if (taxAmount !== undefined) lines.push({ lineId: 't', kind: 'tax', amount: taxAmount });
        return lines;
      }),
    );

const invoiceHistory = (invoiceId: string) =>
  fc
    .record({ issue: fc.integer({ min: 0, max: 400 }), currency: fc.constantFrom('USD', 'JPY') })
    .chain(({ issue, currency }) =>
      fc.record({
        create: invoiceLines(issue).map((lines) => ev.created(`${invoiceId}-c`, invoiceId, addDays(BASE, issue), lines, currency)),
        updates: fc.uniqueArray(
          fc.record({ version: fc.integer({ min: 2, max: 5 }), at: fc.integer({ min: 0, max: 300 }), lines: invoiceLines(issue) }),
          { selector: (u) => u.version, maxLength: 3 },
        ).map((us) => us.map((u) => ev.updated(`${invoiceId}-u${u.version}`, invoiceId, addDays(BASE, issue + u.at), u.version, u.lines, currency))),
        payments: fc.array(
          fc.record({ id: fc.constantFrom('p1', 'p2', 'p3'), at: fc.integer({ min: -10, max: 300 }), amount: fc.integer({ min: 0, max: 200_000 }), settles: fc.boolean() }),
          { maxLength: 4 },
        ).map((ps) => ps.map((p, i) => ev.paid(`${invoiceId}-p${i}`, invoiceId, addDays(BASE, issue + p.at), p.id, p.amount, p.settles ? 'InvoicePaid' : 'InvoicePaymentReceived'))),
        void: fc.option(fc.integer({ min: 0, max: 300 }).map((at) => ev.voided(`${invoiceId}-v`, invoiceId, addDays(BASE, issue + at))), { nil: undefined }),
      }),
    )
    .map((h): IncomingEvent[] => [h.create, ...h.updates, ...h.payments, ...(h.void ? [h.void] : [])]);

const histories = fc.tuple(invoiceHistory('inv_a'), invoiceHistory('inv_b')).map(([a, b]) => [...a, ...b]);

function deliver(events: IncomingEvent[]) {
  const b = memoryBooks();
  for (const e of events) b.apply(e, CLOCK);
  return b;
}

describe('posting properties over random invoice histories', () => {
  it('every entry balances and has a line; each line recognises exactly its net amount', () => {
    fc.assert(
      fc.property(histories, (events) => {
        const b = deliver(events);
        for (const e of b.journal) {
          expect(movementBalances(e.movement)).toBe(true);
          expect(isZeroMovement(e.movement)).toBe(false);
        }
        for (const [invoiceId, outcome] of b.outcomes) {
          const recognised = new Map<string, number>();
          for (const e of b.journal.filter((j) => j.invoiceId === invoiceId && j.lineId !== null)) {
            recognised.set(e.lineId!, (recognised.get(e.lineId!) ?? 0) - e.movement.Revenue);
          }
          for (const [lineId, total] of recognised) {
            const line = outcome.lines.find((l) => l.lineId === lineId);
            expect(total, `${invoiceId}/${lineId}`).toBe(outcome.status === 'void' || !line ? 0 : line.amount);
          }
          if (outcome.status !== 'void') for (const l of outcome.lines) expect(recognised.get(l.lineId) ?? 0).toBe(l.amount);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('shuffling the delivery order and repeating events gives identical books', () => {
    const cases = histories.chain((events) =>
      fc.tuple(
        fc.constant(events),
        fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }),
        fc.array(fc.integer({ min: 0, max: events.length - 1 }), { maxLength: 4 }),
      ),
    );
    fc.assert(
      fc.property(cases, ([events, shuffled, repeats]) => {
        const inOrder = deliver([...events].sort((x, y) => (x.occurredAt < y.occurredAt ? -1 : x.occurredAt > y.occurredAt ? 1 : 0)));
        const other = deliver([...shuffled, ...repeats.map((i) => shuffled[i]!)]);
        expect(other.activeMonths()).toEqual(inOrder.activeMonths());
        expect(other.revenueEvents()).toEqual(inOrder.revenueEvents());
        expect(Object.fromEntries(other.outcomes)).toEqual(Object.fromEntries(inOrder.outcomes));
      }),
      { numRuns: 300 },
    );
  });
});
