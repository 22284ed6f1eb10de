import type { Executor } from '../../db/connect.ts';
import type { BreakerStateName } from '../../db/tables/subscriberTables.ts';

export type BreakerStatus = {
  state: BreakerStateName;
  failures: number;
  openedAt: string | null;
  /** open: when the next probe may go; half_open: when the running probe's lease ends. */
  nextAttemptAt: string | null;
  lastError: string | null;
  lastFailureAt: string | null;
  updatedAt: string;
};

/** Every breaker by name, as `accrue status` shows it under `breakers`. */
export async function getBreakerStates(db: Executor): Promise<Record<string, BreakerStatus>> {
  const rows = await db.selectFrom('circuit_breakers').selectAll().orderBy('name').execute();
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return Object.fromEntries(
    rows.map((r) => [
      r.name,
      {
        state: r.state,
        failures: r.failures,
        openedAt: iso(r.opened_at),
        nextAttemptAt: iso(r.next_attempt_at),
        lastError: r.last_error,
        lastFailureAt: iso(r.last_failure_at),
        updatedAt: r.updated_at.toISOString(),
      },
    ]),
  );
}
