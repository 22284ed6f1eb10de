import { describe, expect, it } from 'vitest';
import { lateArrivalsAllowed, openLoopVerdict } from '../../bench/lib/openLoop.ts';
import { steadyRate } from '../../bench/lib/steadyRate.ts';

describe('openLoopVerdict', () => {
  it('accepts a run that fired on schedule', () => {
    // 1,000 calls at 200/s: the last is due at 999 / 200 = 4.995 s.
    const v = openLoopVerdict({ ratePerSec: 200, count: 1_000, firingSeconds: 4.995, lateArrivals: 3 });
    expect(v).toMatchObject({ valid: true, achievedRatePerSec: 200 });
    expect(v.reason).toBeUndefined();
  });

  it('marks invalid a run that could not hold 95 % of its rate (issue 10: 1,000 sends at 200/s took 33 s)', () => {
    const v = openLoopVerdict({ ratePerSec: 200, count: 1_000, firingSeconds: 33, lateArrivals: 0 });
    expect(v.valid).toBe(false);
    expect(v.achievedRatePerSec).toBeCloseTo(30.3, 1);
    expect(v.reason).toContain('could not hold 200/s');
  });

  it('sits on the 95 % line: 5.2 s for 5 s of arrivals is still valid, 5.3 s is not', () => {
    expect(openLoopVerdict({ ratePerSec: 1_000, count: 5_000, firingSeconds: 5.2, lateArrivals: 0 }).valid).toBe(true);
    expect(openLoopVerdict({ ratePerSec: 1_000, count: 5_000, firingSeconds: 5.3, lateArrivals: 0 }).valid).toBe(false);
  });

  it('marks invalid a run whose arrivals were bunched: more than 5 % started late', () => {
    const v = openLoopVerdict({ ratePerSec: 200, count: 1_000, firingSeconds: 4.995, lateArrivals: 51 });
    expect(v.valid).toBe(false);
    expect(v.lateShare).toBe(0.051);
    expect(v.reason).toContain('51 of 1000 arrivals started late');
    expect(openLoopVerdict({ ratePerSec: 200, count: 1_000, firingSeconds: 4.995, lateArrivals: 50 }).valid).toBe(true);
  });
});

describe('steadyRate stopping a run that cannot be valid', () => {
  it('stops firing once more arrivals were late than a valid run allows, and the verdict says so', async () => {
    // Each call holds its slot for 60 ms and only one may be in flight: at 1,000/s
    // nearly every arrival is late.
    const run = await steadyRate(1_000, 200, () => new Promise((r) => setTimeout(r, 60)), { maxInFlight: 1, stopAfterLateArrivals: lateArrivalsAllowed(200) });
    expect(run.stoppedEarly).toBe(true);
    expect(run.fired).toBeLessThan(200);
    expect(run.lateArrivals).toBe(lateArrivalsAllowed(200) + 1);
    const v = openLoopVerdict({ ratePerSec: 1_000, count: 200, fired: run.fired, firingSeconds: run.firingSeconds, lateArrivals: run.lateArrivals });
    expect(v.valid).toBe(false);
    expect(v.reason).toContain(`stopped after ${run.fired} of 200`);
  });

  it('fires every call of a run it can keep up with', async () => {
    const run = await steadyRate(200, 40, async () => {}, { stopAfterLateArrivals: 20 });
    expect(run).toMatchObject({ fired: 40, stoppedEarly: false });
  });
});
