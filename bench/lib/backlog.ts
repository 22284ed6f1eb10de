/** One sample of the pipeline's backlog: events committed but not yet in the ledger. */
export type BacklogSample = { atMs: number; depth: number };

export type BacklogVerdict = { grows: boolean; middleDepth: number; endDepth: number; slack: number };

const mean = (xs: number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

/**
 * "No backlog growth" at a steady rate: the backlog in the last quarter of the run is
 * not above 1.5x the second quarter's plus a slack of 50 ms of arrivals (at least 5
 * events). A pipeline that keeps up holds a depth of about rate x latency throughout;
 * one that does not grows linearly, so its last quarter is ~2x the second quarter's
 * even from the first second. The first quarter is skipped: it still fills up to the
 * steady depth.
 */
export function backlogGrowth(samples: readonly BacklogSample[], ratePerSec: number): BacklogVerdict {
  const slack = Math.max(5, ratePerSec * 0.05);
  const q = Math.floor(samples.length / 4);
  const middle = mean(samples.slice(q, 2 * q).map((s) => s.depth));
  const end = mean(samples.slice(samples.length - q).map((s) => s.depth));
  const r = (v: number) => Math.round(v * 10) / 10;
  if (q === 0) return { grows: false, middleDepth: r(middle), endDepth: r(end), slack };
  return { grows: end > middle * 1.5 + slack, middleDepth: r(middle), endDepth: r(end), slack };
}
