/**
 * What one client can make the system do: how many lines and events an
 * invoice may hold, how long a service period may run, and which dates and report
 * ranges are accepted. Read from config once by the entry point (limitsOf in config.ts) and passed as a
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
