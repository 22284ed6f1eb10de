/** Nearest-rank percentile (p in 0..100) of an unsorted sample; NaN when empty. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export type LatencySummary = { p50Ms: number; p95Ms: number; p99Ms: number; maxMs: number; samples: number };

export function summarizeLatencies(ms: number[]): LatencySummary {
  return {
    p50Ms: round(percentile(ms, 50), 2),
    p95Ms: round(percentile(ms, 95), 2),
    p99Ms: round(percentile(ms, 99), 2),
    maxMs: round(percentile(ms, 100), 2),
    samples: ms.length,
  };
}

export function round(value: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Wall-clock milliseconds with sub-ms resolution, comparable within one process. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
