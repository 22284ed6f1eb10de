import { describe, expect, it } from 'vitest';
import { backlogGrowth, type BacklogSample } from '../../bench/lib/backlog.ts';

const series = (depths: number[]): BacklogSample[] => depths.map((depth, i) => ({ atMs: i * 250, depth }));

describe('backlogGrowth', () => {
  it('sees no growth when the backlog holds about rate x latency throughout, noise included', () => {
    // 1,000/s at ~40 ms: ~40 events in flight, jumping between 20 and 70.
    const v = backlogGrowth(series([5, 30, 45, 20, 70, 35, 40, 25, 60, 30, 45, 38, 22, 65, 41, 33]), 1_000);
    expect(v.grows).toBe(false);
  });

  it('sees growth when arrivals outrun the pipeline: the backlog climbs linearly', () => {
    // 1,000/s arriving, 800/s applied: +50 every 250 ms.
    const v = backlogGrowth(series(Array.from({ length: 20 }, (_, i) => 50 * (i + 1))), 1_000);
    expect(v.grows).toBe(true);
    expect(v.endDepth).toBeGreaterThan(v.middleDepth * 1.5);
  });

  it('does not call a few events of jitter at a low rate growth (slack of 50 ms of arrivals, at least 5)', () => {
    expect(backlogGrowth(series([0, 1, 1, 0, 1, 2, 1, 1, 3, 4, 5, 4]), 200).grows).toBe(false);
    expect(backlogGrowth(series([0, 1, 1, 0, 1, 2, 1, 1, 9, 12, 14, 15]), 200).grows).toBe(true);
  });

  it('says nothing from too few samples', () => {
    expect(backlogGrowth(series([1, 100, 1_000]), 1_000).grows).toBe(false);
  });
});
