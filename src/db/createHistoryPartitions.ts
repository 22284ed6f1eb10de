import { sql } from 'kysely';
import type { Executor } from './connect.ts';
import { firstDayOfMonth, monthOf, todayUtc } from '../values/dates.ts';

export type PartitionStatus = 'created' | 'exists' | 'covered' | 'blocked';
export type HistoryPartitions = {
  /** One row per history table and month: what create_history_partitions did. */
  months: { partition: string; status: PartitionStatus }[];
  /** Rows in each DEFAULT partition: entries dated past the partitions made ahead. Should be 0. */
  defaultRows: Record<string, number>;
};

/** The first day (UTC) of the month `now` falls in, as YYYY-MM-DD. */
export function partitionMonthOf(now: Date): string {
  return firstDayOfMonth(monthOf(todayUtc(now)));
}

/**
 * Makes sure the history tables (ledger_entries; events once partitioned) have a
 * partition for the month of `now` and the `monthsAhead` months after it (migration
 * 130's create_history_partitions, which runs as the tables' owner and gives each new
 * partition its TRUNCATE refusal and the parent's SELECT grants). Idempotent: a month
 * that exists is left alone and costs no lock. Also counts the rows that landed in
 * each DEFAULT partition, which the caller logs as a warning when not zero.
 */
export async function createHistoryPartitions(db: Executor, options: { now: Date; monthsAhead: number }): Promise<HistoryPartitions> {
  const months = await sql<{ partition: string; status: PartitionStatus }>`
    SELECT partition, status FROM create_history_partitions(${partitionMonthOf(options.now)}::date, ${options.monthsAhead + 1})`.execute(db);
  const defaults = await sql<{ parent: string; partition: string }>`
    SELECT p.partrelid::regclass::text AS parent, h.partition::text AS partition
    FROM pg_partitioned_table p CROSS JOIN LATERAL history_partitions(p.partrelid) h
    WHERE h.is_default AND p.partrelid IN (to_regclass('public.ledger_entries'), to_regclass('public.events'))`.execute(db);
  const defaultRows: Record<string, number> = {};
  for (const d of defaults.rows) {
    const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(d.partition)}`.execute(db);
    defaultRows[d.partition] = r.rows[0]!.n;
  }
  return { months: months.rows, defaultRows };
}
