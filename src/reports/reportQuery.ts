import { z } from 'zod';
import { ValidationError } from '../errors.ts';
import { zodIssues } from '../events/envelope.ts';
import { currencyCode, isoDay, isoMonth } from '../events/primitives.ts';

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

export function parseReportQuery(raw: unknown): ReportQuery {
  const result = reportQuery.safeParse(raw ?? {});
  if (!result.success) throw new ValidationError('invalid report query', zodIssues(result.error, ['query']));
  return result.data;
}
