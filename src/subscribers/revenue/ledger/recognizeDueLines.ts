import { sql, type RawBuilder } from 'kysely';
import type { Executor } from '../../../db/connect.ts';
import { appendEventSet, type NewEvent } from '../../../events/appendEvents.ts';

export type RecognitionBatch = { lines: number; entries: number };

/**
 * C(t) of REVENUE.md in SQL, for a line with a service period: the SQL twin of
 * `cumulative` (src/subscribers/revenue/recognition.ts), written once here and pinned to it by
 * test/subscribers/revenue/recognitionSqlProperty.test.ts. numeric arithmetic keeps |A| * days exact.
 */
export function cumulativeSql(amount: RawBuilder<unknown>, start: RawBuilder<unknown>, end: RawBuilder<unknown>, t: RawBuilder<unknown>): RawBuilder<number> {
  return sql<number>`(sign(${amount}) * floor(abs(${amount})::numeric
           * LEAST(GREATEST(${t} - ${start}, 0), ${end} - ${start}) / (${end} - ${start})))::bigint`;
}

type DueEntry = { lines: number; entry_id: number | null; currency: string; entry_date: string; invoice_id: string; line_id: string; revenue: number };

/**
 * One set-based step of recognition: takes up to `limit` active lines not yet
 * recognised up to `horizon`, posts per line and month C(min(horizon, month end)) -
 * C(where it stood) as a recognition entry dated the last service day it covers and
 * moves the lines' recognized_through to `horizon` in one statement; then appends a
 * RevenueRecognized event per entry through the event contract (appendEventSet), in the
 * caller's transaction, so a crash leaves either all of a batch or none, and a rerun
 * continues where it stopped.
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
  const l = (column: string) => sql.ref(`l.${column}`) as RawBuilder<unknown>;
  const c = (column: string) => sql.ref(column) as RawBuilder<unknown>;
  const horizonDay = sql`${horizon}::date`;
  const { rows } = await sql<DueEntry>`
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
          recognized = ${cumulativeSql(l('net_amount'), l('service_start'), l('service_end'), horizonDay)},
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
             ${cumulativeSql(c('net_amount'), c('service_start'), c('service_end'), c('e'))}
             - ${cumulativeSql(c('net_amount'), c('service_start'), c('service_end'), c('s'))} AS amount
      FROM parts
      WHERE e > s
    ), ins AS (
      INSERT INTO ledger_entries (currency, entry_date, origin_date, kind, invoice_id, line_id, note, deferred_revenue, revenue)
      SELECT currency, GREATEST(on_day, ${floorDay}::date), on_day, 'recognition', invoice_id, line_id, ${correlationId}, amount, -amount
      FROM amounts WHERE amount <> 0
      RETURNING entry_id, currency, entry_date, invoice_id, line_id, revenue
    )
    SELECT n.lines, ins.* FROM (SELECT count(*)::int AS lines FROM upd) n LEFT JOIN ins ON true
    ORDER BY ins.entry_id
  `.execute(db);
  const entries = rows.filter((r) => r.entry_id !== null);
  const events: NewEvent<'RevenueRecognized'>[] = entries.map((r) => ({
    type: 'RevenueRecognized',
    aggregateId: r.invoice_id,
    occurredAt: r.entry_date,
    source: 'revenue',
    causationId: null,
    data: { invoiceId: r.invoice_id, currency: r.currency, amount: -r.revenue, postedOn: r.entry_date, lineId: r.line_id, entryId: String(r.entry_id) },
  }));
  await appendEventSet(db, events, { correlationId, actor: 'revenue' });
  return { lines: rows[0]?.lines ?? 0, entries: entries.length };
}
