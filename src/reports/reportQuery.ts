import { z } from 'zod';
import { ValidationError, type FieldIssue } from '../errors.ts';
import { zodIssues } from '../events/envelope.ts';
import { currencyCode, isoDay, isoMonth } from '../events/primitives.ts';
import { DEFAULT_LIMITS } from '../config.ts';
import { type Limits } from '../values/limits.ts';

/** Query parameters every report takes (GET /v1/reports/...?currency=&from=&to=&asOf=). */
export const reportQuery = z
  .object({
    currency: currencyCode.optional(),
    from: isoMonth.optional(),
    to: isoMonth.optional(),
    /** Entries dated after this day are left out; default: today. */
    asOf: isoDay.optional(),
  })
  .strict()
  .refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, { message: 'from must not be after to', path: ['from'] });
export type ReportQuery = z.infer<typeof reportQuery>;

/** Parses a report query and holds it to `limits`: years in ACCRUE_MIN_YEAR..ACCRUE_MAX_YEAR, from..to at most ACCRUE_MAX_REPORT_MONTHS. */
export function parseReportQuery(raw: unknown, limits: Limits = DEFAULT_LIMITS): ReportQuery {
  const result = reportQuery.safeParse(raw ?? {});
  if (!result.success) throw new ValidationError('invalid report query', zodIssues(result.error, ['query']));
  const issues = reportRangeIssues(result.data, limits);
  if (issues.length > 0) throw new ValidationError('report range outside the configured limits', issues);
  return result.data;
}

/**
 * Reports walk months (generate_series, month maps): a range of years 0001..9999 is
 * ~120,000 months per line and currency. Pure.
 */
export function reportRangeIssues(q: ReportQuery, limits: Limits): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const years = `in the years ${limits.minYear}..${limits.maxYear} (ACCRUE_MIN_YEAR, ACCRUE_MAX_YEAR)`;
  for (const field of ['from', 'to', 'asOf'] as const) {
    const value = q[field];
    if (value === undefined) continue;
    const year = Number(value.slice(0, 4));
    if (year < limits.minYear || year > limits.maxYear) issues.push({ field: `query.${field}`, message: `must be ${years}` });
  }
  if (q.from !== undefined && q.to !== undefined) {
    const months = monthIndex(q.to) - monthIndex(q.from) + 1;
    if (months > limits.maxReportMonths) {
      issues.push({ field: 'query.to', message: `from..to spans ${months} months; at most ${limits.maxReportMonths} (ACCRUE_MAX_REPORT_MONTHS)` });
    }
  }
  return issues;
}

function monthIndex(month: string): number {
  return Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1;
}
