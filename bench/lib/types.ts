import type { Progress } from './progress.ts';

/** What every figure module gets. One database, one run: ratios compare like with like. */
export type BenchContext = {
  /** The bench database, migrated (accrue + pg-boss schema `pgboss`). */
  url: string;
  /** Same server, a database where CREATE DATABASE is allowed (for figures that need a fresh one). */
  adminUrl: string;
  quick: boolean;
  /** Pipeline size N (issue 6: default 100,000; --events). */
  events: number;
  /** Client concurrency shared by the INSERT baseline and the HTTP load generator. */
  concurrency: number;
  /** Rounds of the repeated figures (--repeat) and which one this is (1-based). */
  repeat: number;
  round: number;
  progress: Progress;
  /** Human notes for stderr (never stdout: --json keeps stdout for the JSON). */
  note(message: string): void;
};

export type FigureResult = {
  /**
   * invalid: ran, but the load did not hold its nominal rate (openLoopVerdict), so the
   * numbers describe another load and are reported as null with the reason in note.
   */
  status: 'measured' | 'pending' | 'failed' | 'invalid';
  /** The figure's part of the results JSON (issue 6 keys); null leaves when not measured. */
  summary: Record<string, unknown>;
  /** Everything else worth keeping: settings, raw counts, tool output. */
  detail?: Record<string, unknown>;
  /** Why pending or failed, or how it was measured. */
  note?: string;
};

/** A figure module: `bench/figures/<name>.ts` exports one of these. */
export type Figure = {
  /** Key in the results JSON (`insertBaselineTps`, `pgBoss`, `http`, …). */
  key: string;
  title: string;
  run(ctx: BenchContext): Promise<FigureResult>;
};

/** An open-loop figure whose load did not hold its rate: nulls for `keys`, the reason in note. */
export function invalid(keys: readonly string[], note: string, detail?: Record<string, unknown>): FigureResult {
  return { status: 'invalid', summary: Object.fromEntries(keys.map((k) => [k, null])), detail, note };
}

/** A figure that needs code not on this branch yet: reports honestly instead of inventing numbers. */
export function pending(summary: Record<string, unknown>, note: string): FigureResult {
  return { status: 'pending', summary, note };
}
