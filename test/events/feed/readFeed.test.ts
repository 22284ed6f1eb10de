import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEvents } from '../../../src/events/appendEvents.ts';
import { FEED_START, compareCursors, formatCursor, type FeedCursor } from '../../../src/events/feed/feedCursor.ts';
import { readFeed, type FeedEvent } from '../../../src/events/feed/readFeed.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';
import { waitFor } from '../../helpers/accrueProcess.ts';

const ctx = { correlationId: 'corr-feed', actor: 'test' };
const reminder = (invoiceId: string) => ({
  type: 'InvoiceReminderSent' as const,
  aggregateId: invoiceId,
  occurredAt: '2026-02-01',
  data: { channel: 'email' },
});

/** Reads the whole feed after `from` (pages of `limit`); the horizon is cluster-wide, so callers wait for what they expect. */
async function readAll(t: TestDatabase, from: FeedCursor, limit = 3, filter = {}) {
  const events: FeedEvent[] = [];
  let cursor = from;
  for (;;) {
    const page = await readFeed(t.db, { after: cursor, limit, filter });
    events.push(...page.events);
    expect(compareCursors(page.nextCursor, cursor)).toBeGreaterThanOrEqual(0);
    cursor = page.nextCursor;
    if (page.events.length < limit) return { events, cursor };
  }
}

describe('readFeed: the event store in commit order', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.drop();
  });

  it('pages through every event once, in order, and ends at a cursor past them', async () => {
    const written = await appendEvents(t.db, ['inv_a', 'inv_b', 'inv_c', 'inv_d', 'inv_e'].map(reminder), ctx);
    const { events } = await waitFor('five events', async () => {
      const r = await readAll(t, FEED_START, 2);
      return r.events.length === 5 && r;
    });
    expect(events.map((e) => e.event.eventId)).toEqual(written.map((w) => w.event.eventId));
    expect(events[0]!.event.type).toBe('InvoiceReminderSent');
  });

  it('filters by type and aggregate id, and a filtered page still moves the cursor past what it skipped', async () => {
    const { cursor: start } = await readAll(t, FEED_START, 100);
    await appendEvents(t.db, [reminder('inv_x'), reminder('inv_y'), reminder('inv_x')], ctx);
    const { events, cursor } = await waitFor('the two inv_x events', async () => {
      const r = await readAll(t, start, 100, { aggregateId: 'inv_x' });
      return r.events.length === 2 && r;
    });
    expect(events.every((e) => e.event.aggregateId === 'inv_x')).toBe(true);
    // Past inv_y too: nothing is left after the cursor for an unfiltered reader.
    expect((await readFeed(t.db, { after: cursor, limit: 10 })).events).toEqual([]);
    expect((await readAll(t, start, 100, { types: ['InvoiceCreated'] })).events).toEqual([]);
  });

  // The reason for the (tx_id, position) cursor: a transaction that took a lower
  // position commits after one with a higher position. A reader that had passed the
  // higher position (a position cursor) would never see the lower one.
  it('hands out a late-committing lower position to a consumer that already read past the higher one', async () => {
    const { cursor: start } = await readAll(t, FEED_START, 100);
    let commitSlow!: () => void;
    const slowMayCommit = new Promise<void>((r) => (commitSlow = r));
    let slowWrote!: () => void;
    const slowHasWritten = new Promise<void>((r) => (slowWrote = r));
    // Connection 1: takes the lower position, then stays open.
    const slow = t.db.transaction().execute(async (tx) => {
      const [r] = await appendEvents(tx, [reminder('inv_slow')], ctx);
      slowWrote();
      await slowMayCommit;
      return r!.event;
    });
    await slowHasWritten;
    // Connection 2: a higher position, committed first.
    const [fast] = await appendEvents(t.db, [reminder('inv_fast')], ctx);

    // The consumer reads now: the committed higher position is held back, not handed
    // out ahead of the open transaction's lower one.
    const early = await readAll(t, start, 100);
    expect(early.events.map((e) => e.event.aggregateId)).toEqual([]);
    // ...and said to be waiting, so a live reader looks again soon.
    expect((await readFeed(t.db, { after: early.cursor, limit: 100 })).heldBack).toBe(true);

    commitSlow();
    const slowEvent = await slow;
    expect(slowEvent.position).toBeLessThan(fast!.event.position);
    const late = await waitFor('both events', async () => {
      const r = await readAll(t, early.cursor, 100);
      return r.events.length === 2 && r;
    });
    // Commit order, each once, from the cursor the consumer held.
    expect(late.events.map((e) => e.event.aggregateId)).toEqual(['inv_slow', 'inv_fast']);
    expect(late.events.map((e) => formatCursor(e.cursor))).toEqual([...new Set(late.events.map((e) => formatCursor(e.cursor)))]);
  });
});
