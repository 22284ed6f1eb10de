/**
 * Calls `fire(i)` for i = 0..count-1 at a steady `ratePerSec`, on schedule rather than
 * after the previous call finished (an open-loop load: a slow system does not slow the
 * arrivals, so queueing shows up in the latencies instead of hiding). Calls still in
 * flight are capped at `maxInFlight`; resolves when every call has settled.
 */
export async function steadyRate(
  ratePerSec: number,
  count: number,
  fire: (i: number) => Promise<void>,
  options: { maxInFlight?: number; onFired?: (fired: number) => void } = {},
): Promise<{ seconds: number; lateStarts: number }> {
  const maxInFlight = options.maxInFlight ?? 64;
  const interval = 1000 / ratePerSec;
  const start = performance.now();
  let next = 0;
  let inFlight = 0;
  let lateStarts = 0;
  const pending = new Set<Promise<void>>();
  while (next < count) {
    const due = start + next * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    // Catch up on every arrival already due, as a real client would send them.
    while (next < count && start + next * interval <= performance.now()) {
      if (inFlight >= maxInFlight) {
        lateStarts++;
        await Promise.race(pending);
        continue;
      }
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
  return { seconds: (performance.now() - start) / 1000, lateStarts };
}
