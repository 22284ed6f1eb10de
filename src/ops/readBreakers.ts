import type { Executor } from '../db/connect.ts';
import { getBreakerStates, type BreakerStatus } from '../breaker/getBreakerStates.ts';

export type BreakerState = BreakerStatus;

/** Circuit-breaker state per external endpoint (closed | open | half_open), for `status`. */
export async function readBreakers(db: Executor): Promise<Record<string, BreakerState>> {
  return getBreakerStates(db);
}
