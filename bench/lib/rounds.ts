import type { FigureResult } from './types.ts';
import { round } from './stats.ts';

/** Median and range of one figure's value over its rounds: the headline is the median. */
export type Spread = { median: number; min: number; max: number; runs: number };

/** Middle value (mean of the two middle ones for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median, min and max of the finite values; null when there are none. */
export function spread(values: readonly (number | null | undefined)[]): Spread | null {
  const finite = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (finite.length === 0) return null;
  return { median: round(median(finite), 2), min: Math.min(...finite), max: Math.max(...finite), runs: finite.length };
}

/**
 * Ratios taken round by round: numerators[i] / denominators[i] are one round's accrue
 * figure and the baseline measured next to it, so a slow minute that hit both cancels
 * out. Rounds where either side is missing (invalid, failed, not run) are skipped.
 * The headline is the median of the per-round ratios.
 */
export function pairedRatio(
  numerators: readonly (number | null)[],
  denominators: readonly (number | null)[],
): { median: number | null; ratios: (number | null)[] } {
  const ratios = numerators.map((n, i) => {
    const d = denominators[i];
    return n !== null && d !== null && d !== undefined && Number.isFinite(n) && Number.isFinite(d) && d > 0 ? round(n / d, 3) : null;
  });
  const s = spread(ratios);
  return { median: s === null ? null : round(s.median, 2), ratios };
}

/**
 * One figure's rounds as one result. The summary holds each numeric field's median
 * over the rounds that measured (an invalid or failed round counts for nothing; a
 * boolean is true when at least half the rounds say so, the cautious reading of a
 * tie); detail.spread the median/min/max of every numeric field; detail.rounds each
 * round's status, note and summary. The rest of detail is the last measured round's
 * (statements per event, server waits, …): one round's evidence, not three copies.
 */
export function combineRounds(rounds: readonly FigureResult[]): FigureResult {
  if (rounds.length === 1) return rounds[0]!;
  const measured = rounds.filter((r) => r.status === 'measured');
  const perRound = rounds.map((r, i) => ({ round: i + 1, status: r.status, ...(r.note ? { note: r.note } : {}), summary: r.summary }));
  // Rounds that did not measure are named; a measured round's note (how it was
  // measured, the same every round) is said once.
  const notes = rounds.map((r, i) => (r.status !== 'measured' ? `round ${i + 1}: ${r.status}${r.note ? ` (${r.note})` : ''}` : '')).filter(Boolean);
  if (measured.length === 0) {
    const status = rounds.some((r) => r.status === 'failed') ? 'failed' : rounds[0]!.status;
    return { status, summary: rounds[0]!.summary, detail: { ...rounds.at(-1)!.detail, rounds: perRound }, note: notes.join('; ') };
  }
  const keys = [...new Set(measured.flatMap((r) => Object.keys(r.summary)))];
  const summary: Record<string, unknown> = {};
  const spreads: Record<string, Spread> = {};
  for (const key of keys) {
    const values = measured.map((r) => r.summary[key]);
    if (values.every((v) => typeof v === 'number')) {
      const s = spread(values as number[])!;
      summary[key] = s.median;
      spreads[key] = s;
    } else if (values.every((v) => typeof v === 'boolean')) {
      summary[key] = values.filter(Boolean).length * 2 >= values.length;
    } else {
      summary[key] = values.find((v) => v !== null && v !== undefined) ?? null;
    }
  }
  return {
    status: 'measured',
    summary,
    detail: { ...measured.at(-1)!.detail, detailFromRound: rounds.lastIndexOf(measured.at(-1)!) + 1, spread: spreads, rounds: perRound },
    note:
      [notes.length > 0 ? `median of the ${measured.length} measured rounds of ${rounds.length}; ${notes.join('; ')}` : '', measured[0]!.note ?? '']
        .filter(Boolean)
        .join('; ') || undefined,
  };
}
