import { loadConfig, type Config } from '../config.ts';

/**
 * What one client can make the system do: how many lines and events an
 * invoice may hold, how long a service period may run, and which dates and report
 * ranges are accepted. Read from config once by the entry point and passed as a
 * parameter to the pure checks (decideInvoice, the import checks, report queries).
 */
export type Limits = {
  maxInvoiceLines: number;
  maxInvoiceEvents: number;
  maxServicePeriodYears: number;
  minYear: number;
  maxYear: number;
  maxReportMonths: number;
};

export function limitsOf(config: Config): Limits {
  return {
    maxInvoiceLines: config.ACCRUE_MAX_INVOICE_LINES,
    maxInvoiceEvents: config.ACCRUE_MAX_INVOICE_EVENTS,
    maxServicePeriodYears: config.ACCRUE_MAX_SERVICE_PERIOD_YEARS,
    minYear: config.ACCRUE_MIN_YEAR,
    maxYear: config.ACCRUE_MAX_YEAR,
    maxReportMonths: config.ACCRUE_MAX_REPORT_MONTHS,
  };
}

/** The documented defaults (config.ts), for callers that were given no config (tests, tools). */
export const DEFAULT_LIMITS: Limits = limitsOf(loadConfig({}));
