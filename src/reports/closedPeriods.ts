import { sql } from 'kysely';
import type { Executor } from '../db/connect.ts';

export type ClosedPeriod = {
  period: string;
  /** When PeriodClosed was recorded, and who recorded it (the event's actor). */
  closedAt: string;
  closedBy: string;
  /** The revenue ledger has applied the close: no entry can be dated in the month any more. */
  locked: boolean;
  lockedAt: string | null;
};

/**
 * Every month a PeriodClosed event closed, oldest first, with whether the revenue
 * ledger has locked it yet (the lock follows the event through the bus). A month
 * closed twice (an import and the API) shows its first close.
 */
export async function listClosedPeriods(db: Executor): Promise<ClosedPeriod[]> {
  const { rows } = await sql<{ period: string; recorded_at: Date; actor: string; locked_at: Date | null }>`
    SELECT DISTINCT ON (e.aggregate_id) e.aggregate_id AS period, e.recorded_at, e.actor, l.locked_at
    FROM events e LEFT JOIN ledger_period_locks l ON l.period = e.aggregate_id
    WHERE e.type = 'PeriodClosed'
    ORDER BY e.aggregate_id, e.position`.execute(db);
  return rows.map((r) => ({
    period: r.period,
    closedAt: new Date(r.recorded_at).toISOString(),
    closedBy: r.actor,
    locked: r.locked_at !== null,
    lockedAt: r.locked_at ? new Date(r.locked_at).toISOString() : null,
  }));
}
