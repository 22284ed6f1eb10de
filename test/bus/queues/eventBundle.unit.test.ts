import { describe, expect, it } from 'vitest';
import { isBundle, jobsFor, MAX_BUNDLE_EVENTS } from '../../../src/bus/queues/eventBundle.ts';
import { bundledQueues } from '../../../src/bus/relay/routes.ts';
import { byEventBudget } from '../../../src/bus/worker/applyBatch.ts';
import { bundleFetchSize } from '../../../src/bus/worker/startWorker.ts';

const event = (i: number) => ({ eventId: `e${i}`, type: 'InvoiceCreated', position: i + 1 });

describe('event bundles', () => {
  it('makes one job per event where bundles are not taken, or for a single event', () => {
    expect(jobsFor([event(1), event(2)], false)).toEqual([event(1), event(2)]);
    expect(jobsFor([event(1)], true)).toEqual([event(1)]);
  });

  it('bundles a relay batch, at most MAX_BUNDLE_EVENTS a job, in order', () => {
    const events = Array.from({ length: MAX_BUNDLE_EVENTS + 2 }, (_, i) => event(i));
    const jobs = jobsFor(events, true);
    expect(jobs).toHaveLength(2);
    expect(jobs.every(isBundle)).toBe(true);
    expect(jobs.flatMap((j) => (isBundle(j) ? j.positions : []))).toEqual(events.map((e) => e.position));
  });

  it('tells a bundle from an event, and from a malformed payload (which then goes the poison way)', () => {
    expect(isBundle({ positions: [3, 4] })).toBe(true);
    expect(isBundle({ eventId: 'x', positions: [1] })).toBe(false);
    expect(isBundle({ positions: ['1'] })).toBe(false);
    expect(isBundle({ positions: [0] })).toBe(false);
    expect(isBundle(event(1))).toBe(false);
    expect(isBundle(null)).toBe(false);
  });

  it('routes bundles only to subscribers whose every row says they take them', () => {
    const queues = bundledQueues([
      { subscriber: 'revenue', event_type: 'A', takes_bundles: true },
      { subscriber: 'revenue', event_type: 'B', takes_bundles: true },
      { subscriber: 'mixed', event_type: 'A', takes_bundles: true },
      { subscriber: 'mixed', event_type: 'B', takes_bundles: false },
      { subscriber: 'old', event_type: 'A' },
    ]);
    expect([...queues]).toEqual(['revenue']);
  });

  it('groups fetched bundles by event budget, a bigger bundle alone', () => {
    const bundle = (id: string, n: number) => ({ id, retryCount: 0, data: { positions: Array.from({ length: n }, (_, i) => i + 1) } });
    const groups = byEventBudget([bundle('a', 200), bundle('b', 300), bundle('c', 600), bundle('d', 1), bundle('e', 499)], 500);
    expect(groups.map((g) => g.map((b) => b.id))).toEqual([['a', 'b'], ['c'], ['d', 'e']]);
  });

  it('fetches a tenth of the batch size in bundles, at least one', () => {
    expect(bundleFetchSize(500)).toBe(50);
    expect(bundleFetchSize(1)).toBe(1);
  });
});
