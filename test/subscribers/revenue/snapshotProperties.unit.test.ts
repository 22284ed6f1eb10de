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
// is decided by the tie-break rules, also when the original is already folded. A
// payment's rival may also repeat it exactly (as InvoicePaid repeats the payment an
// InvoicePaymentReceived brought): then neither winning changes the books, and the
// snapshot path takes it without a full fold.
function rival(e: IncomingEvent, before: boolean, repeat: boolean): IncomingEvent {
  const eventId = `${before ? '0' : 'z'}${e.eventId}`;
  if (e.type === 'InvoicePaid' || e.type === 'InvoicePaymentReceived') {
    return { ...e, eventId, type: repeat ? 'InvoicePaid' : e.type, data: { ...e.data, amount: repeat ? e.data.amount : (e.data.amount as number) * 2 + 1 } };
  }
  if (e.type === 'InvoiceUpdated') {
    return { ...e, eventId, data: { ...e.data, lines: (e.data.lines as { amount: number }[]).map((l) => ({ ...l, amount: l.amount * 2 + 1 })) } };
  }
  return { ...e, eventId };
}

const withRivals = histories.chain((events) =>
  fc
    .array(fc.tuple(fc.integer({ min: 0, max: events.length - 1 }), fc.boolean(), fc.boolean()), { maxLength: 3 })
    .map((picks) => [...events, ...picks.map(([i, before, repeat]) => rival(events[i]!, before, repeat))]),
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

  it('a payment repeated after its snapshot (InvoicePaid after InvoicePaymentReceived, same day) posts nothing and reads no history', () => {
    const clock: PostingClock = { today: '2024-03-10', firstOpenDay: null };
    const lines = [{ lineId: 'a', kind: 'revenue' as const, amount: 12_000, description: '', servicePeriod: { start: '2024-03-10', end: '2025-03-10' } }];
    const create: IncomingEvent = { eventId: 'e1', invoiceId: 'inv', type: 'InvoiceCreated', occurredAt: '2024-03-10', version: 1, data: { customerId: 'x', currency: 'USD', lines } };
    const payment = { paymentId: 'p', amount: 12_000, receivedAt: '2024-03-10' };
    const received: IncomingEvent = { eventId: 'e2', invoiceId: 'inv', type: 'InvoicePaymentReceived', occurredAt: '2024-03-10', version: null, data: payment };
    for (const [repeatId, sameAmount, fullFolds] of [['e3', true, 0], ['e0', true, 0], ['e3', false, 0], ['e0', false, 1]] as const) {
      const b = snapshotMemoryBooks();
      const full = memoryBooks();
      const repeat: IncomingEvent = { eventId: repeatId, invoiceId: 'inv', type: 'InvoicePaid', occurredAt: '2024-03-10', version: null, data: { ...payment, amount: sameAmount ? 12_000 : 11_000 } };
      for (const e of [create, received]) {
        b.apply(e, clock);
        full.apply(e, clock);
      }
      expect(b.books.get('inv')!.snapshot?.through).toEqual({ on: '2024-03-10', rank: 1, key: 'p' });
      const got = b.apply(repeat, clock);
      expect(sorted(got.entries), `${repeatId} ${sameAmount}`).toEqual(sorted(full.apply(repeat, clock).entries));
      // The same payment on the same day: nothing to post, whichever event stands for it;
      // a rival with another amount that would win (smaller id) needs the full fold.
      expect(b.fullFolds(), `${repeatId} ${sameAmount}`).toBe(fullFolds);
      if (sameAmount) expect(got.entries).toEqual([]);
    }
  });
});
