import type { Executor } from '../db/connect.ts';

// `last_used_at` answers "is anyone still using this key?" before a revocation; a
// minute of staleness does not change that answer, and writing on every request
// would put an UPDATE (and a row lock on the key) on every API call.
export const LAST_USED_RESOLUTION_MS = 60_000;

/** Pure: whether this use should be written (never seen, or seen over a minute ago). */
export function isUseWorthRecording(lastUsedAt: Date | null, now: Date): boolean {
  return lastUsedAt === null || now.getTime() - lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS;
}

/**
 * Records that the key authenticated a request at `now`, at most once a minute. The
 * condition is repeated in SQL so that concurrent requests (other processes too)
 * that all saw a stale value write once between them, not once each.
 */
export async function recordKeyUse(db: Executor, keyId: string, lastUsedAt: Date | null, now: Date): Promise<void> {
  if (!isUseWorthRecording(lastUsedAt, now)) return;
  const cutoff = new Date(now.getTime() - LAST_USED_RESOLUTION_MS);
  await db
    .updateTable('api_keys')
    .set({ last_used_at: now })
    .where('id', '=', keyId)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', cutoff)]))
    .execute();
}
