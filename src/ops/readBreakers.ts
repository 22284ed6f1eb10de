import type { Executor } from '../db/connect.ts';

export type BreakerState = { state: 'closed' | 'open' | 'half-open'; [key: string]: unknown };

/**
 * Circuit-breaker state per external subscriber, for `status`. The breakers
 * themselves belong to the subscribers capability; until their state is stored
 * where this can read it, there is nothing to report and this returns {}.
 */
export async function readBreakers(_db: Executor): Promise<Record<string, BreakerState>> {
  return {};
}
