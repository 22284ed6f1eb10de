/**
 * Calls `fire(i)` for i = 0..count-1 at a steady `ratePerSec`, on schedule rather than
 * after the previous call finished (an open-loop load: a slow system does not slow the
 * arrivals, so queueing shows up in the latencies instead of hiding). Calls still in
 * flight are capped at `maxInFlight`; resolves when every call has settled.
 *
 * What it did, for openLoopVerdict(): `firingSeconds` until the last call was fired,
 * `lateArrivals` fired more than `lateMs` (default 100 ms, at least two intervals)
 * after their due time, and `lateStarts` the times the in-flight cap held one back.
 * `stopAfterLateArrivals`: stop firing once more arrivals than that were late (the
 * run is invalid by then; going on would only spend minutes of a slow machine), and
 * say so in `stoppedEarly`; `fired` is how many calls were made.
 */
export async function steadyRate(
  ratePerSec: number,
  count: number,
  fire: (i: number) => Promise<void>,
  options: { maxInFlight?: number; lateMs?: number; stopAfterLateArrivals?: number; onFired?: (fired: number) => void } = {},
): Promise<{ seconds: number; firingSeconds: number; fired: number; stoppedEarly: boolean; lateStarts: number; lateArrivals: number }> {
  const maxInFlight = options.maxInFlight ?? 64;
  const interval = 1000 / ratePerSec;
  const lateMs = Math.max(options.lateMs ?? 100, 2 * interval);
  const start = performance.now();
  let next = 0;
  let inFlight = 0;
  let lateStarts = 0;
  let lateArrivals = 0;
  let lastFired = start;
  const pending = new Set<Promise<void>>();
  const limit = options.stopAfterLateArrivals ?? Number.POSITIVE_INFINITY;
  while (next < count && lateArrivals <= limit) {
    const due = start + next * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    // Catch up on every arrival already due, as a real client would send them.
    while (next < count && lateArrivals <= limit && start + next * interval <= performance.now()) {
      if (inFlight >= maxInFlight) {
        lateStarts++;
        await Promise.race(pending);
        continue;
      }
      lastFired = performance.now();
      if (lastFired - (start + next * interval) > lateMs) lateArrivals++;
      const p: Promise<void> = fire(next).finally(() => {
        inFlight--;
        pending.delete(p);
      });
      inFlight++;
      pending.add(p);
      next++;
      options.onFired?.(next);
    }
  }
  await Promise.all(pending);
  return {
    seconds: (performance.now() - start) / 1000,
    firingSeconds: (lastFired - start) / 1000,
    fired: next,
    stoppedEarly: next < count,
    lateStarts,
    lateArrivals,
  };
}
