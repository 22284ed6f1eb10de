import { sql } from 'kysely';
import type { Executor } from '../db/connect.ts';
import { todayUtc } from '../values/dates.ts';
import type { ReportQuery } from './reportQuery.ts';

/** Per currency and invoice (issue) month: revenue recognised to date and what the schedules still hold, by month. */
export type Waterfall = Record<string, Record<string, { recognizedToDate: number; scheduled: Record<string, number> }>>;

/**
 * The revenue waterfall: for the invoices issued in each month, revenue recognised
 * up to asOf (from the journal) and the recognition still scheduled for each later
 * month by the current schedules (from where each line's recognition stands).
 */
export async function waterfall(db: Executor, query: ReportQuery, now: Date = new Date()): Promise<Waterfall> {
  const asOf = query.asOf ?? todayUtc(now);
  const currency = query.currency ?? null;
  const recognized = await sql<{ currency: string; invoice_month: string; amount: number }>`
    SELECT e.currency, to_char(i.issued_on, 'YYYY-MM') AS invoice_month, sum(-e.revenue)::bigint AS amount
    FROM ledger_entries e JOIN revenue_invoices i USING (invoice_id)
    WHERE e.entry_date <= ${asOf}::date AND (${currency}::text IS NULL OR e.currency = ${currency})
    GROUP BY 1, 2
  `.execute(db);
  const scheduled = await sql<{ currency: string; invoice_month: string; month: string; amount: number }>`
    SELECT l.currency, to_char(i.issued_on, 'YYYY-MM') AS invoice_month, to_char(m, 'YYYY-MM') AS month,
      sum(sign(l.net_amount) * (
        floor(abs(l.net_amount)::numeric * (LEAST(l.service_end, (m + interval '1 month')::date) - l.service_start) / (l.service_end - l.service_start))
      - floor(abs(l.net_amount)::numeric * (GREATEST(l.recognized_through, m::date, l.service_start) - l.service_start) / (l.service_end - l.service_start))
      ))::bigint AS amount
    FROM revenue_lines l JOIN revenue_invoices i USING (invoice_id)
    CROSS JOIN LATERAL generate_series(
      date_trunc('month', GREATEST(l.recognized_through, l.service_start)::timestamp),
      date_trunc('month', (l.service_end - 1)::timestamp), interval '1 month') AS m
    WHERE l.active AND (${currency}::text IS NULL OR l.currency = ${currency})
    GROUP BY 1, 2, 3
  `.execute(db);
  const out: Waterfall = {};
  const cell = (c: string, month: string) => ((out[c.trim()] ??= {})[month] ??= { recognizedToDate: 0, scheduled: {} });
  for (const r of recognized.rows) cell(r.currency, r.invoice_month).recognizedToDate = r.amount;
  for (const r of scheduled.rows) if (r.amount !== 0) cell(r.currency, r.invoice_month).scheduled[r.month] = r.amount;
  return out;
}
