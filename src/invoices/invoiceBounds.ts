import type { FieldIssue } from '../errors.ts';
import type { InvoiceLine } from '../events/schemas/invoiceEvents.ts';
import type { Limits } from '../values/limits.ts';

/**
 * The configurable bounds on an invoice's content (src/values/limits.ts), checked where a
 * client writes one: the API (decideInvoice) and imports (checkImportBounds). Pure.
 * Not part of the event contract on purpose: lowering a limit must not make events
 * already stored unreadable for the subscribers.
 */

type Content = { issuedAt?: string; dueDate?: string | null; lines: readonly InvoiceLine[] };

/** Issues of an invoice's dates and lines; `prefix` is where the content sits in the request ('', 'data', '3.data'). */
export function invoiceContentIssues(content: Content, limits: Limits, prefix = ''): FieldIssue[] {
  // The field's name is built only for an issue: the API checks every create (~1 % of
  // its CPU went to naming fields that had nothing wrong).
  const at = (...path: (string | number)[]) => [prefix, ...path].filter((p) => p !== '').join('.');
  const issues: FieldIssue[] = [];
  if (content.lines.length > limits.maxInvoiceLines) {
    issues.push({ field: at('lines'), message: `at most ${limits.maxInvoiceLines} lines per invoice (ACCRUE_MAX_INVOICE_LINES), got ${content.lines.length}` });
  }
  const day = (value: string | null | undefined, ...path: (string | number)[]) => {
    if (!value || inYears(value, limits)) return;
    const issue = dayIssue(value, at(...path), limits);
    if (issue) issues.push(issue);
  };
  day(content.issuedAt, 'issuedAt');
  day(content.dueDate, 'dueDate');
  content.lines.forEach((line, i) => {
    const p = line.servicePeriod;
    if (!p) return;
    day(p.start, 'lines', i, 'servicePeriod', 'start');
    day(p.end, 'lines', i, 'servicePeriod', 'end');
    if (p.end > addYears(p.start, limits.maxServicePeriodYears)) {
      issues.push({
        field: at('lines', i, 'servicePeriod', 'end'),
        message: `a service period may last at most ${limits.maxServicePeriodYears} years (ACCRUE_MAX_SERVICE_PERIOD_YEARS)`,
      });
    }
  });
  return issues;
}

function inYears(day: string, limits: Limits): boolean {
  const year = Number(day.slice(0, 4));
  return year >= limits.minYear && year <= limits.maxYear;
}

/** A business day outside ACCRUE_MIN_YEAR..ACCRUE_MAX_YEAR, or null. */
export function dayIssue(day: string, field: string, limits: Limits): FieldIssue | null {
  if (inYears(day, limits)) return null;
  return { field, message: `must be in the years ${limits.minYear}..${limits.maxYear} (ACCRUE_MIN_YEAR, ACCRUE_MAX_YEAR)` };
}

/** 'YYYY-MM-DD' plus n years, as a string that compares correctly (02-29 + n may name no real day; it still orders right). */
function addYears(day: string, n: number): string {
  return `${String(Number(day.slice(0, 4)) + n).padStart(4, '0')}${day.slice(4)}`;
}

