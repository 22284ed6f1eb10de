import { describe, expect, it } from 'vitest';
import { combineRounds, median, pairedRatio, spread } from '../../bench/lib/rounds.ts';
import type { FigureResult } from '../../bench/lib/types.ts';

const measured = (summary: Record<string, unknown>, detail?: Record<string, unknown>): FigureResult => ({ status: 'measured', summary, detail });

describe('median and spread', () => {
  it('takes the middle value of an odd count and the mean of the middle two of an even one', () => {
    expect(median([300, 100, 200])).toBe(200);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('reports median, min, max and how many values counted, ignoring missing ones', () => {
    expect(spread([900, null, 1_500, 1_000, Number.NaN])).toEqual({ median: 1_000, min: 900, max: 1_500, runs: 3 });
    expect(spread([null, undefined])).toBeNull();
  });
});

describe('pairedRatio', () => {
  it('divides each round by the baseline of the same round and reports the median of those ratios', () => {
    // Round 2 ran in a slow minute: both sides halved, its ratio is the same.
    const r = pairedRatio([500, 250, 600], [1_000, 500, 1_000]);
    expect(r.ratios).toEqual([0.5, 0.5, 0.6]);
    expect(r.median).toBe(0.5);
    // The ratio of the medians would be 500 / 1,000 here too, but not in general:
    expect(pairedRatio([100, 300], [100, 1_000]).median).toBe(0.65);
  });

  it('skips rounds where either side is missing, and gives null when no round pairs', () => {
    expect(pairedRatio([500, null, 600], [1_000, 800, null])).toEqual({ median: 0.5, ratios: [0.5, null, null] });
    expect(pairedRatio([500], []).median).toBeNull();
    expect(pairedRatio([500], [0]).median).toBeNull();
  });
});

describe('combineRounds', () => {
  it('reports the median of each numeric field, the spread in detail, and the last measured round\'s evidence', () => {
    const c = combineRounds([
      measured({ eventsPerSec: 900, ratePerSec: 200 }, { workerQueries: 'round 1' }),
      measured({ eventsPerSec: 1_400, ratePerSec: 200 }, { workerQueries: 'round 2' }),
      measured({ eventsPerSec: 1_000, ratePerSec: 200 }, { workerQueries: 'round 3' }),
    ]);
    expect(c.status).toBe('measured');
    expect(c.summary).toEqual({ eventsPerSec: 1_000, ratePerSec: 200 });
    expect(c.detail!.spread).toMatchObject({ eventsPerSec: { median: 1_000, min: 900, max: 1_400, runs: 3 } });
    expect(c.detail!.workerQueries).toBe('round 3');
    expect(c.detail!.rounds).toHaveLength(3);
  });

  it('leaves invalid and failed rounds out of the median and says which they were', () => {
    const c = combineRounds([
      { status: 'invalid', summary: { p95Ms: null }, note: 'could not hold 200/s' },
      measured({ p95Ms: 40 }),
      { status: 'failed', summary: {}, note: 'boom' },
      measured({ p95Ms: 20 }),
    ]);
    expect(c.status).toBe('measured');
    expect(c.summary.p95Ms).toBe(30);
    expect(c.note).toContain('round 1: invalid (could not hold 200/s)');
    expect(c.note).toContain('round 3: failed (boom)');
    expect(c.detail!.detailFromRound).toBe(4);
  });

  it('is invalid with null values when no round held its rate', () => {
    const c = combineRounds([
      { status: 'invalid', summary: { p95Ms: null }, note: 'late' },
      { status: 'invalid', summary: { p95Ms: null }, note: 'late again' },
    ]);
    expect(c.status).toBe('invalid');
    expect(c.summary.p95Ms).toBeNull();
  });

  it('reads a boolean as true when at least half the rounds say so', () => {
    expect(combineRounds([measured({ grows: true }), measured({ grows: false }), measured({ grows: false })]).summary.grows).toBe(false);
    expect(combineRounds([measured({ grows: true }), measured({ grows: false })]).summary.grows).toBe(true);
  });
});
