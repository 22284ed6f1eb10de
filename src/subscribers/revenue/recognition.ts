import { daysBetween } from '../../values/dates.ts';

/** A revenue line after discounts: what is recognised, and over which days. */
export type NetLine = {
  lineId: string;
  amount: number;
  /** [start, end) UTC days; absent = point in time (recognised in full on the issue date). */
  servicePeriod?: { start: string; end: string };
};

/**
 * The amount of a line recognised for service before day t (REVENUE.md):
 * C(t) = sign(A) * floor(|A| * clamp(days(start, t), 0, N) / N).
 * Truncation toward zero never recognises ahead of delivery, and C(end) = A exactly.
 * A point-in-time line is wholly recognised from its issue date on, so C = A for any t
 * the books look at (never before issue).
 * The daily run computes the same C(t) in SQL (cumulativeSql, src/subscribers/revenue/ledger/recognizeDueLines.ts);
 * test/subscribers/revenue/recognitionSqlProperty.test.ts holds the two equal: change both together.
 */
export function cumulative(line: NetLine, t: string): number {
  const p = line.servicePeriod;
  if (!p) return line.amount;
  const n = daysBetween(p.start, p.end);
  const d = Math.min(Math.max(daysBetween(p.start, t), 0), n);
  const abs = Math.abs(line.amount);
  // |A| * d can pass 2^53 for very large amounts over long periods: use BigInt then.
  const product = abs * d;
  const floored = Number.isSafeInteger(product) ? Math.floor(product / n) : Number((BigInt(abs) * BigInt(d)) / BigInt(n));
  return line.amount < 0 ? -floored : floored;
}
