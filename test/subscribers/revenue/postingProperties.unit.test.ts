import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isZeroMovement, movementBalances } from '../../../src/subscribers/revenue/accounts.ts';
import type { IncomingEvent } from '../../../src/subscribers/revenue/postInvoiceEvent.ts';
import { CLOCK, histories } from './histories.ts';
import { memoryBooks } from './memoryBooks.ts';

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
