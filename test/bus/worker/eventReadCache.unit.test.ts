import { describe, expect, it } from 'vitest';
import type { Executor } from '../../../src/db/connect.ts';
import type { StoredEvent } from '../../../src/events/envelope.ts';
import { eventReadCache, type ReadEventsAt } from '../../../src/bus/worker/eventReadCache.ts';

// The read stands in for readEventsAt (the event store is the database's; here only
// what the cache does with the reads is under test).
const db = {} as Executor;
const event = (position: number) => ({ position, eventId: `e${position}`, data: { amount: position } }) as unknown as StoredEvent;

function store(positions: number[]) {
  const reads: number[][] = [];
  const spans: unknown[] = [];
  let fail = false;
  const read: ReadEventsAt = async (_db, asked, recorded) => {
    reads.push([...asked]);
    spans.push(recorded);
    await new Promise((r) => setTimeout(r, 5));
    if (fail) throw new Error('connection lost');
    return asked.filter((p) => positions.includes(p)).map(event);
  };
  return { read, reads, spans, failNext: (v: boolean) => (fail = v) };
}

describe('eventReadCache', () => {
  it('reads a relay batch once for every subscriber, also while the first read is in flight', async () => {
    const s = store([1, 2, 3, 4]);
    const cached = eventReadCache(s.read, 100);
    const [revenue, analytics] = await Promise.all([cached(db, [1, 2, 3]), cached(db, [1, 2, 3])]);
    expect(revenue.map((e) => e.position)).toEqual([1, 2, 3]);
    expect(analytics).toEqual(revenue);
    const notifications = await cached(db, [3, 4]);
    expect(notifications.map((e) => e.position)).toEqual([3, 4]);
    expect(s.reads).toEqual([[1, 2, 3], [4]]);
  });

  it("hands the bundles' span of recorded_at to the read of the positions it does not hold", async () => {
    const s = store([1, 2, 3]);
    const cached = eventReadCache(s.read, 100);
    const span = { from: '2026-12-02T12:00:00.000Z', before: '2026-12-02T12:00:00.004Z' };
    await cached(db, [1, 2], span);
    await cached(db, [2, 3]);
    expect(s.reads).toEqual([[1, 2], [3]]);
    expect(s.spans).toEqual([span, undefined]);
  });

  it('keeps at most `capacity` events, oldest out first', async () => {
    const s = store([1, 2, 3, 4, 5]);
    const cached = eventReadCache(s.read, 2);
    await cached(db, [1, 2]);
    await cached(db, [3]);
    await cached(db, [2, 3]);
    await cached(db, [1]);
    expect(s.reads).toEqual([[1, 2], [3], [1]]);
  });

  it('a batch larger than the capacity still gets every event it asked for', async () => {
    const s = store([1, 2, 3, 4, 5]);
    const cached = eventReadCache(s.read, 2);
    expect((await cached(db, [5, 4, 3, 2, 1])).map((e) => e.position)).toEqual([1, 2, 3, 4, 5]);
  });

  it('forgets a failed read and a position the store does not hold, so the next caller asks again', async () => {
    const s = store([1]);
    const cached = eventReadCache(s.read, 100);
    s.failNext(true);
    await expect(cached(db, [1])).rejects.toThrow('connection lost');
    s.failNext(false);
    expect((await cached(db, [1, 9])).map((e) => e.position)).toEqual([1]);
    expect((await cached(db, [1, 9])).map((e) => e.position)).toEqual([1]);
    expect(s.reads).toEqual([[1], [1, 9], [9]]);
  });

  it('hands out frozen events: one subscriber cannot change what another reads', async () => {
    const cached = eventReadCache(store([1]).read, 100);
    const [e] = await cached(db, [1]);
    expect(() => ((e!.data as { amount: number }).amount = 2)).toThrow(TypeError);
    expect(Object.isFrozen(e)).toBe(true);
  });

  it('lets an event go once each of its readers was served it, and reads it again for a later ask (a retried bundle)', async () => {
    const s = store([1, 2]);
    const cached = eventReadCache(s.read, 100, (e) => (e.position === 1 ? 2 : 3));
    await Promise.all([cached(db, [1, 2]), cached(db, [1, 2])]);
    await cached(db, [1, 2]);
    expect(s.reads).toEqual([[1, 2], [1]]);
  });
});
