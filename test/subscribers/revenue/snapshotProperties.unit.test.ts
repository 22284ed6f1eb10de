import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IncomingEvent, NewEntry, PostingClock } from '../../../src/subscribers/revenue/postInvoiceEvent.ts';
import { addDays } from '../../../src/values/dates.ts';
import { BASE, histories } from './histories.ts';
import { memoryBooks } from './memoryBooks.ts';
import { snapshotMemoryBooks } from './snapshotBooks.ts';

// Issue 15: a book kept as snapshot + the events since gives exactly the postings a
// full re-fold of every event gives (the pre-snapshot code path), for random histories
// delivered in random order with repeats, the clock moving forward between deliveries
// (so snapshots are taken at many points, and the tail holds events dated ahead of the
// clock), late events dated before the snapshot point included.

const sorted = (entries: readonly NewEntry[]) => entries.map((e) => JSON.stringify(e)).sort();

type Delivery = { event: IncomingEvent; day: number; snapshot: boolean };

// A rival of an event: another event for the same slot (same version, payment id, day)
// with other amounts, its id sorting before or after the original's, so which one wins
// is decided by the tie-break rules, also when the original is already folded.
function rival(e: IncomingEvent, before: boolean): IncomingEvent {
  const eventId = `${before ? '0' : 'z'}${e.eventId}`;
  if (e.type === 'InvoicePaid' || e.type === 'InvoicePaymentReceived') return { ...e, eventId, data: { ...e.data, amount: (e.data.amount as number) * 2 + 1 } };
  if (e.type === 'InvoiceUpdated') {
    return { ...e, eventId, data: { ...e.data, lines: (e.data.lines as { amount: number }[]).map((l) => ({ ...l, amount: l.amount * 2 + 1 })) } };
  }
  return { ...e, eventId };
}

const withRivals = histories.chain((events) =>
  fc
    .array(fc.tuple(fc.integer({ min: 0, max: events.length - 1 }), fc.boolean()), { maxLength: 3 })
    .map((picks) => [...events, ...picks.map(([i, before]) => rival(events[i]!, before))]),
);

const cases = withRivals.chain((events) =>
  fc
    .tuple(
      fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }),
      fc.array(fc.integer({ min: 0, max: events.length - 1 }), { maxLength: 4 }),
      fc.array(fc.integer({ min: 0, max: 120 }), { minLength: events.length + 4, maxLength: events.length + 4 }),
      fc.array(fc.boolean(), { minLength: events.length + 4, maxLength: events.length + 4 }),
      fc.integer({ min: 0, max: 500 }),
    )
    .map(([shuffled, repeats, steps, snaps, start]): Delivery[] => {
      let day = start;
      return [...shuffled, ...repeats.map((i) => shuffled[i]!)].map((event, i) => {
        day += steps[i]!;
        return { event, day, snapshot: snaps[i]! };
      });
    }),
);

describe('book snapshots', () => {
  it('snapshot + tail posts exactly what a full re-fold posts, late events included', () => {
    let fullFolds = 0;
    let snapshotted = 0;
    fc.assert(
      fc.property(cases, (deliveries) => {
        const full = memoryBooks();
        const snap = snapshotMemoryBooks();
        for (const { event, day, snapshot } of deliveries) {
          const clock: PostingClock = { today: addDays(BASE, day), firstOpenDay: null };
          const want = full.apply(event, clock);
          const got = snap.apply(event, clock, snapshot);
          expect(sorted(got.entries), `${event.eventId} on ${clock.today}`).toEqual(sorted(want.entries));
          expect(got.outcome).toEqual(want.outcome);
          if (snap.books.get(event.invoiceId)?.snapshot) snapshotted++;
        }
        expect(Object.fromEntries(snap.outcomes)).toEqual(Object.fromEntries(full.outcomes));
        fullFolds += snap.fullFolds();
      }),
      { numRuns: 400 },
    );
    // The property covered both paths: postings resumed from snapshots, and late events folded in full.
    expect(snapshotted).toBeGreaterThan(100);
    expect(fullFolds).toBeGreaterThan(20);
  });

  it('a snapshot folds the history: the tail keeps only events dated past the horizon', () => {
    const b = snapshotMemoryBooks();
    const clock: PostingClock = { today: '2024-03-10', firstOpenDay: null };
    const lines = [{ lineId: 'a', kind: 'revenue' as const, amount: 12_000, description: '', servicePeriod: { start: '2024-01-01', end: '2025-01-01' } }];
    b.apply({ eventId: 'c', invoiceId: 'inv', type: 'InvoiceCreated', occurredAt: '2024-01-01', version: 1, data: { customerId: 'x', currency: 'USD', lines } }, clock);
    for (let v = 2; v <= 50; v++) {
      b.apply({ eventId: `u${v}`, invoiceId: 'inv', type: 'InvoiceUpdated', occurredAt: '2024-03-01', version: v, data: { currency: 'USD', lines } }, clock);
    }
    b.apply({ eventId: 'ahead', invoiceId: 'inv', type: 'InvoicePaid', occurredAt: '2024-03-11', version: null, data: { paymentId: 'p', amount: 100 } }, clock);
    const book = b.books.get('inv')!;
    expect(book.snapshot?.through).toEqual({ on: '2024-03-01', rank: 0, key: '0000000050' });
    expect(book.applied.map((e) => e.eventId)).toEqual(['ahead']);
    expect(b.fullFolds()).toBe(0);
  });
});
