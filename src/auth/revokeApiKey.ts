import type { Executor } from '../db/connect.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { appendEvents, type EventContext } from '../events/appendEvents.ts';
import { todayUtc } from '../values/dates.ts';
import { findApiKey, type ApiKeyResource } from './listApiKeys.ts';

/**
 * Why the bootstrap token cannot be revoked here: it is not a stored key but the
 * ACCRUE_BOOTSTRAP_TOKEN setting of the API process, compared on every request.
 */
export const BOOTSTRAP_NOT_REVOCABLE =
  'the bootstrap token is not a stored key but the ACCRUE_BOOTSTRAP_TOKEN setting: to revoke it, unset or change that setting and restart the API';

/**
 * Revokes a key: from the next request on it gets 401 (authentication reads the row
 * every time; nothing caches it). The row and its ApiKeyRevoked event commit together
 * in the caller's transaction. Revoking a revoked key changes nothing and writes no
 * second event (`alreadyRevoked`); two concurrent revokes write one between them,
 * since only one UPDATE finds `revoked_at` still NULL.
 */
export async function revokeApiKey(
  tx: Executor,
  id: string,
  audit: EventContext,
  now: Date,
): Promise<{ key: ApiKeyResource; alreadyRevoked: boolean }> {
  if (id === 'bootstrap') throw new ConflictError(BOOTSTRAP_NOT_REVOCABLE);
  const revoked = await tx
    .updateTable('api_keys')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .returning(['id', 'name'])
    .executeTakeFirst();
  if (revoked) {
    await appendEvents(
      tx,
      [{ type: 'ApiKeyRevoked', aggregateId: id, occurredAt: todayUtc(now), source: 'system', data: { keyId: id, name: revoked.name } }],
      audit,
    );
  }
  const key = await findApiKey(tx, id, now);
  if (!key) throw new NotFoundError(`no API key ${id}`);
  return { key, alreadyRevoked: !revoked };
}
