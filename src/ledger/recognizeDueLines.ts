import { sql } from 'kysely';
import type { Executor } from '../db/connect.ts';

export type RecognitionBatch = { lines: number; entries: number };

/**
 * One set-based step of recognition: takes up to `limit` active lines not yet
 * recognised up to `horizon`, posts per line and month C(min(horizon, month end)) -
 * C(where it stood) as a recognition entry dated the last service day it covers,
 * emits a RevenueRecognized event per entry (events + outbox) and moves the lines'
 * recognized_through to `horizon` — all in one statement, so a crash leaves either
 * all of a batch or none, and a rerun continues where it stopped.
 *
 * Lines an invoice posting holds are skipped (SKIP LOCKED): that posting brings them
 * up to its own today. The UPDATE's SET reads the row it locks, so prev_through is
 * the value it replaces even after a concurrent posting committed.
 */
export async function recognizeDueLines(
  db: Executor,
  options: { horizon: string; firstOpenDay: string | null; correlationId: string; limit: number },
): Promise<RecognitionBatch> {
  const { horizon, correlationId, limit } = options;
  const floorDay = options.firstOpenDay ?? '0001-01-01';
  const result = await sql<{ lines: number; entries: number }>`
    WITH due AS (
      SELECT invoice_id, line_id FROM revenue_lines
      -- A line whose service has not started has nothing due: left alone until it has.
      WHERE active AND recognized_through < ${horizon}::date AND service_start < ${horizon}::date
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    ), upd AS (
      UPDATE revenue_lines l
      SET prev_through = l.recognized_through,
          recognized_through = ${horizon}::date,
          recognized = sign(l.net_amount) * floor(abs(l.net_amount)::numeric
                         * LEAST(GREATEST(${horizon}::date - l.service_start, 0), l.service_end - l.service_start)
                         / (l.service_end - l.service_start))::bigint,
          active = ${horizon}::date < l.service_end
      FROM due
      WHERE l.invoice_id = due.invoice_id AND l.line_id = due.line_id
        AND l.active AND l.recognized_through < ${horizon}::date
      RETURNING l.invoice_id, l.line_id, l.currency, l.net_amount, l.service_start, l.service_end,
                l.prev_through, l.recognized_through
    ), parts AS (
      SELECT u.*, GREATEST(u.prev_through, m::date) AS s, LEAST(u.recognized_through, (m + interval '1 month')::date) AS e
      FROM upd u
      CROSS JOIN LATERAL generate_series(
        date_trunc('month', GREATEST(u.prev_through, u.service_start)::timestamp),
        date_trunc('month', (LEAST(u.recognized_through, u.service_end) - 1)::timestamp),
        interval '1 month') AS m
    ), amounts AS (
      SELECT invoice_id, line_id, currency, LEAST(e, service_end) - 1 AS on_day,
             sign(net_amount) * (
               floor(abs(net_amount)::numeric * LEAST(GREATEST(e - service_start, 0), service_end - service_start)
                     / (service_end - service_start))
             - floor(abs(net_amount)::numeric * LEAST(GREATEST(s - service_start, 0), service_end - service_start)
                     / (service_end - service_start)))::bigint AS amount
      FROM parts
      WHERE e > s
    ), ins AS (
      INSERT INTO ledger_entries (currency, entry_date, origin_date, kind, invoice_id, line_id, note, deferred_revenue, revenue)
      SELECT currency, GREATEST(on_day, ${floorDay}::date), on_day, 'recognition', invoice_id, line_id, ${correlationId}, amount, -amount
      FROM amounts WHERE amount <> 0
      RETURNING entry_id, currency, entry_date, invoice_id, line_id, revenue
    ), ev AS (
      INSERT INTO events (event_id, type, schema_version, aggregate_type, aggregate_id, occurred_at,
                          correlation_id, actor, source, data)
      SELECT accrue_uuidv7(), 'RevenueRecognized', 1, 'invoice', invoice_id, entry_date, ${correlationId}, 'revenue', 'revenue',
             jsonb_build_object('invoiceId', invoice_id, 'currency', currency, 'amount', -revenue,
                                'postedOn', to_char(entry_date, 'YYYY-MM-DD'), 'lineId', line_id, 'entryId', entry_id::text)
      FROM ins
      RETURNING position
    ), ob AS (
      INSERT INTO outbox (position) SELECT position FROM ev
    )
    SELECT (SELECT count(*) FROM upd)::int AS lines, (SELECT count(*) FROM ins)::int AS entries
  `.execute(db);
  return result.rows[0] ?? { lines: 0, entries: 0 };
}
