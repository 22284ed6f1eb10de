import { describe, expect, it } from 'vitest';
import { backlogFromCommitTimes } from '../../bench/lib/commitTimes.ts';
import { backlogGrowth } from '../../bench/lib/backlog.ts';

describe('backlogFromCommitTimes', () => {
  it('counts, every 250 ms from the first commit to the last, the events committed and not yet posted', () => {
    const samples = backlogFromCommitTimes([
      { committed: 1_000, posted: 1_010 },
      { committed: 1_100, posted: 1_400 }, // still waiting at 1,250
      { committed: 1_240, posted: 1_260 }, // committed by 1,250, posted after
      { committed: 1_500, posted: null }, // never posted
    ]);
    expect(samples).toEqual([
      { atMs: 0, depth: 1 }, // at 1,000: the first committed, posted only at 1,010
      { atMs: 250, depth: 2 }, // at 1,250: the second and third
      { atMs: 500, depth: 1 }, // at 1,500: the fourth, never posted
    ]);
    expect(backlogFromCommitTimes([{ committed: 5, posted: 5 }])).toEqual([{ atMs: 0, depth: 0 }]);
    expect(backlogFromCommitTimes([])).toEqual([]);
  });

  it('sees a pipeline that falls behind as growth, and one that keeps up as none', () => {
    // 1,000/s arriving for 8 s; kept up: each posted 20 ms later; behind: posted at 800/s.
    const arrivals = Array.from({ length: 8_000 }, (_, i) => i);
    const keptUp = backlogFromCommitTimes(arrivals.map((t) => ({ committed: t, posted: t + 20 })));
    const behind = backlogFromCommitTimes(arrivals.map((t, i) => ({ committed: t, posted: i * 1.25 + 20 })));
    expect(backlogGrowth(keptUp, 1_000).grows).toBe(false);
    expect(backlogGrowth(behind, 1_000).grows).toBe(true);
  });
});
