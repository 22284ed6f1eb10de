import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bookFacts } from '../../../src/subscribers/revenue/bookFacts.ts';
import { BOOK_SNAPSHOT_SCHEMA_VERSION, parseBookSnapshot, storedSnapshot, type BookSnapshot } from '../../../src/subscribers/revenue/bookSnapshot.ts';
import { resolveTimeline, type BookEvent, type BookEventType } from '../../../src/subscribers/revenue/invoiceTimeline.ts';
import { targetJournal } from '../../../src/subscribers/revenue/targetJournal.ts';
import type { PostingClock } from '../../../src/subscribers/revenue/postInvoiceEvent.ts';
import { addDays } from '../../../src/values/dates.ts';
import { readStoredBookEvent, storedBookEventBody } from '../../../src/subscribers/revenue/storedBookEvent.ts';
import { BASE, CLOCK, histories } from './histories.ts';
import { snapshotMemoryBooks } from './snapshotBooks.ts';

// What a book stores is smaller than what it folds from (issue 10): the events' facts
// (bookFacts) instead of their payloads, the snapshot positional (version 3) with the
// carry without the accounts an entry does not move. Both must read back to what the
// fold had; snapshots stored before (versions 1 and 2) still read.

const asStored = (s: BookSnapshot) => JSON.parse(JSON.stringify(storedSnapshot(s))) as Record<string, unknown>;

describe('what a book stores', () => {
  it('a snapshot stored positionally reads back as it was; those stored before (version 2 sparse, version 1 all six accounts) read the same', () => {
    let checked = 0;
    fc.assert(
      fc.property(histories, fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 30, maxLength: 30 }), (events, steps) => {
        const books = snapshotMemoryBooks();
        let day = 0;
        events.forEach((event, i) => {
          day += steps[i]!;
          const clock: PostingClock = { today: addDays(BASE, day), firstOpenDay: null };
          books.apply(event, clock);
          const snapshot = books.books.get(event.invoiceId)?.snapshot;
          if (!snapshot) return;
          checked++;
          const stored = asStored(snapshot);
          expect(stored.schemaVersion).toBe(BOOK_SNAPSHOT_SCHEMA_VERSION);
          expect(stored.windowFrom).toBe(snapshot.windowFrom);
          // Each carried entry: kind, origin, line, payment, then (account, amount) pairs of the accounts it moves.
          for (const e of stored.carry as unknown[][]) {
            const amounts = e.slice(4).filter((_, i) => i % 2 === 1);
            expect(amounts).not.toContain(0);
          }
          expect(parseBookSnapshot(stored)).toEqual(snapshot);
          expect(JSON.stringify(stored).length).toBeLessThan(JSON.stringify({ ...snapshot, schemaVersion: 2 }).length);
          const sparse = JSON.parse(JSON.stringify({ ...snapshot, schemaVersion: 2, carry: snapshot.carry.map((c) => ({ ...c, movement: Object.fromEntries(Object.entries(c.movement).filter(([, v]) => v !== 0)) })) }));
          expect(parseBookSnapshot(sparse)).toEqual({ ...snapshot, schemaVersion: 2 });
          const dense = JSON.parse(JSON.stringify({ ...snapshot, schemaVersion: 1 }));
          expect(parseBookSnapshot(dense)).toEqual({ ...snapshot, schemaVersion: 1 });
        });
      }),
      { numRuns: 150 },
    );
    expect(checked).toBeGreaterThan(100);
  });

  it('a snapshot of an unknown version is not read', () => {
    const books = snapshotMemoryBooks();
    const clock: PostingClock = { today: '2024-03-10', firstOpenDay: null };
    const lines = [{ lineId: 'a', kind: 'revenue', amount: 12_000, description: '', servicePeriod: { start: '2024-01-01', end: '2025-01-01' } }];
    books.apply({ eventId: 'c', invoiceId: 'inv', type: 'InvoiceCreated', occurredAt: '2024-01-01', version: 1, data: { customerId: 'x', currency: 'USD', lines } }, clock);
    const stored = asStored(books.books.get('inv')!.snapshot!);
    expect(parseBookSnapshot(stored)).not.toBeNull();
    expect(parseBookSnapshot({ ...stored, schemaVersion: 99 })).toBeNull();
  });

  it('a book event stored compactly reads back as it was; a body stored before (every field named) and full payloads read as they were', () => {
    fc.assert(
      fc.property(histories, fc.boolean(), (events, late) => {
        for (const e of events) {
          const facts = bookFacts(e.type as BookEventType, e.data);
          const event: BookEvent = { eventId: e.eventId, type: e.type as BookEventType, occurredAt: e.occurredAt, effectiveOn: late ? addDays(e.occurredAt, 3) : e.occurredAt, version: e.version, data: facts };
          const stored = JSON.parse(JSON.stringify(storedBookEventBody(event))) as Record<string, unknown>;
          expect(stored).not.toHaveProperty('eventId');
          expect(readStoredBookEvent(e.eventId, stored)).toEqual(JSON.parse(JSON.stringify(event)));
          const { eventId: _key, ...before } = event;
          expect(JSON.stringify(stored).length).toBeLessThanOrEqual(JSON.stringify(before).length);
          expect(readStoredBookEvent(e.eventId, JSON.parse(JSON.stringify(before)))).toEqual(JSON.parse(JSON.stringify(event)));
          // A line of a full payload (a book written before bookFacts) is kept as it is.
          const full = { ...event, data: e.data };
          expect(readStoredBookEvent(e.eventId, JSON.parse(JSON.stringify(storedBookEventBody(full))))).toEqual(JSON.parse(JSON.stringify(full)));
        }
      }),
      { numRuns: 100 },
    );
  });

  it("the events' facts fold to what their full payloads fold to", () => {
    const book = (e: { eventId: string; type: string; occurredAt: string; version: number | null; data: Record<string, unknown> }, data: Record<string, unknown>): BookEvent => ({
      eventId: e.eventId,
      type: e.type as BookEventType,
      occurredAt: e.occurredAt,
      effectiveOn: e.occurredAt,
      version: e.version,
      data,
    });
    fc.assert(
      fc.property(histories, (events) => {
        for (const invoiceId of ['inv_a', 'inv_b']) {
          const mine = events.filter((e) => e.invoiceId === invoiceId);
          const full = resolveTimeline(mine.map((e) => book(e, e.data)));
          const facts = resolveTimeline(mine.map((e) => book(e, bookFacts(e.type as BookEventType, e.data))));
          expect(facts).toEqual(full);
          expect(targetJournal(facts!, CLOCK.today)).toEqual(targetJournal(full!, CLOCK.today));
        }
        // What the facts leave out is what the books do not read.
        for (const e of events) {
          const kept = bookFacts(e.type as BookEventType, e.data);
          if (e.type === 'InvoiceCreated') expect(Object.keys(kept).sort()).toEqual(['currency', 'lines']);
          if (e.type === 'InvoiceVoided') expect(kept).toEqual({});
        }
      }),
      { numRuns: 200 },
    );
  });
});
