import { describe, expect, it } from 'vitest';
import { isBundle, jobsFor, MAX_BUNDLE_EVENTS, recordedSpanOf } from '../../../src/bus/queues/eventBundle.ts';
import { bundledQueues } from '../../../src/bus/relay/routes.ts';
import { byEventBudget } from '../../../src/bus/worker/applyBatch.ts';
import { bundleFetchSize } from '../../../src/bus/worker/startWorker.ts';

const event = (i: number) => ({ eventId: `e${i}`, type: 'InvoiceCreated', position: i + 1, recordedAt: new Date(Date.UTC(2026, 11, 2, 12, 0, 0, i)).toISOString() });

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

  it('takes only a well-formed bundle for one (isBundle parses with the compiled schema)', () => {
    const recorded = { from: '2026-12-02T12:00:00.000Z', before: '2026-12-02T12:00:00.010Z' };
    expect([{ positions: [1, 2] }, { positions: [3], recorded }].map(isBundle)).toEqual([true, true]);
    const malformed = [{}, { positions: [1.5] }, { positions: [0] }, { positions: ['1'] }, { positions: [1], recorded: { ...recorded, from: '2026-12-02T12:00:00Z' } }, { positions: [1], recorded: { from: recorded.from } }, { positions: [1], eventId: 'e1' }];
    expect(malformed.map(isBundle)).toEqual(malformed.map(() => false));
  });

  it('gives each bundle the span its events were recorded in, a millisecond past the last (pg hands recorded_at over cut to milliseconds)', () => {
    const events = [event(5), event(2), event(9), event(7)];
    expect(jobsFor(events, true)).toEqual([
      { positions: [6, 3, 10, 8], recorded: { from: '2026-12-02T12:00:00.002Z', before: '2026-12-02T12:00:00.010Z' } },
    ]);
    const two = jobsFor(Array.from({ length: MAX_BUNDLE_EVENTS + 2 }, (_, i) => event(i)), true);
    expect(two.map((b) => (isBundle(b) ? b.recorded : undefined))).toEqual([
      { from: '2026-12-02T12:00:00.000Z', before: '2026-12-02T12:00:01.000Z' },
      { from: '2026-12-02T12:00:01.000Z', before: '2026-12-02T12:00:01.002Z' },
    ]);
  });

  it("reads one span for bundles read together: the spans' union, leaving out a bundle without one (an older relay's, whose events are then read through event_keys)", () => {
    const a = { positions: [1], recorded: { from: '2026-12-02T12:00:00.005Z', before: '2026-12-02T12:00:00.009Z' } };
    const b = { positions: [2], recorded: { from: '2026-12-01T23:59:59.999Z', before: '2026-12-02T12:00:00.006Z' } };
    expect(recordedSpanOf([a, b])).toEqual({ from: '2026-12-01T23:59:59.999Z', before: '2026-12-02T12:00:00.009Z' });
    expect(recordedSpanOf([a, { positions: [3] }])).toEqual(a.recorded);
    expect(recordedSpanOf([{ positions: [3] }])).toBeUndefined();
  });

  it('reads by no span when the union is wider than a day (every partition in it would be probed per position): those events go through event_keys', () => {
    const today = { positions: [1], recorded: { from: '2026-12-02T12:00:00.005Z', before: '2026-12-02T12:00:00.009Z' } };
    const dayBefore = { positions: [2], recorded: { from: '2026-12-01T12:00:00.009Z', before: '2026-12-01T12:00:00.010Z' } };
    const monthsBefore = { positions: [3], recorded: { from: '2026-09-01T00:00:00.000Z', before: '2026-09-01T00:00:00.001Z' } };
    expect(recordedSpanOf([today, dayBefore])).toEqual({ from: '2026-12-01T12:00:00.009Z', before: '2026-12-02T12:00:00.009Z' });
    expect(recordedSpanOf([today, monthsBefore])).toBeUndefined();
    expect(recordedSpanOf([{ positions: [4], recorded: { from: monthsBefore.recorded.from, before: today.recorded.before } }])).toBeUndefined();
  });

  it('tells a bundle from an event, and from a malformed payload (which then goes the poison way)', () => {
    expect(isBundle({ positions: [3, 4] })).toBe(true);
    expect(isBundle({ positions: [3, 4], recorded: { from: '2026-12-02T12:00:00.000Z', before: '2026-12-02T12:00:00.004Z' } })).toBe(true);
    expect(isBundle({ positions: [3, 4], recorded: { from: '2026-12-02T12:00:00Z', before: '2026-12-02T12:00:00.004Z' } })).toBe(false);
    expect(isBundle({ positions: [3, 4], recorded: { from: '2026-12-02T12:00:00.000+01:00', before: '2026-12-02T12:00:00.004Z' } })).toBe(false);
    expect(isBundle({ positions: [3, 4], recorded: { from: '2026-12-02T12:00:00.000Z' } })).toBe(false);
    expect(isBundle({ positions: [3, 4], recorded: null })).toBe(false);
    expect(isBundle({ positions: [1.5] })).toBe(false);
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
