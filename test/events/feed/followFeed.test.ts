import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEventSet, type NewEvent } from '../../../src/events/appendEvents.ts';
import { FEED_START, formatCursor } from '../../../src/events/feed/feedCursor.ts';
import { createFeedFollowers } from '../../../src/events/feed/followFeed.ts';
import { readFeed, type FeedEvent } from '../../../src/events/feed/readFeed.ts';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { waitFor } from '../../helpers/accrueProcess.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';

/** Costs: one test database, ~1,200 events in small transactions, no HTTP; ~3 s. */
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.drop();
});

const reminders = (prefix: string, n: number): NewEvent[] =>
  Array.from({ length: n }, (_, i) => ({ type: 'InvoiceReminderSent', aggregateId: `${prefix}_${i}`, occurredAt: '2026-02-01', data: { channel: 'email' } }));

describe('createFeedFollowers', () => {
  it('a follower too slow for the shared reader drops back to its own reads and still gets every event once, in order', async () => {
    // Tiny pages and queue so a slow follower overflows many times.
    const followers = createFeedFollowers({ db: t.db, pollMs: 20, pageSize: 10, maxQueued: 25, log: silentLogger });
    const slow: FeedEvent[] = [];
    const fast: FeedEvent[] = [];
    const stop = new AbortController();
    const following = Promise.all([
      followers.follow(FEED_START, {}, async (e) => {
        slow.push(e);
        await new Promise((r) => setTimeout(r, 2));
      }, stop.signal),
      followers.follow(FEED_START, {}, async (e) => void fast.push(e), stop.signal),
    ]);
    try {
      // Both live on the shared reader first; then bursts outrun the slow one.
      await waitFor('both followers live', () => followers.stats().live === 2);
      await Promise.all([0, 1, 2].map(async (w) => {
        for (let i = 0; i < 20; i++) await appendEventSet(t.db, reminders(`w${w}_${i}`, 20), { correlationId: 'follow', actor: 'test' });
      }));
      await waitFor('both followers to have 1,200 events', () => slow.length >= 1200 && fast.length >= 1200, 60_000);
    } finally {
      stop.abort();
      await following;
      await followers.close();
    }
    const feed: string[] = [];
    for (let after = FEED_START; ; ) {
      const page = await readFeed(t.db, { after, limit: 1000 });
      feed.push(...page.events.map((e) => formatCursor(e.cursor)));
      after = page.nextCursor;
      if (page.events.length < 1000) break;
    }
    expect(slow.map((e) => formatCursor(e.cursor))).toEqual(feed);
    expect(fast.map((e) => formatCursor(e.cursor))).toEqual(feed);
    expect(followers.stats().detached).toBeGreaterThan(0);
  });
});
