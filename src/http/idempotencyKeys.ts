import { createHash } from 'node:crypto';
import type { Insertable, Updateable } from 'kysely';
import type { Executor } from '../db/connect.ts';
import { preparedStatement } from '../db/preparedStatements.ts';
import type { IdempotencyKeysTable } from '../db/tables/invoicingTables.ts';
import { ConflictError, IdempotencyKeyReusedError } from '../errors.ts';

export type IdempotentRequest = { principal: string; key: string; method: string; path: string; body: string };
export type StoredResponse = { status: number; body: unknown; headers: Record<string, string> };

export function requestHash(r: IdempotentRequest): string {
  return createHash('sha256').update(`${r.method}\n${r.path}\n${r.body}`).digest('hex');
}

// Two of the four statements of every write that carries a key: compiled once and
// prepared per connection (db/preparedStatements.ts).
const claimStatement = preparedStatement('claim_idempotency_key', (db, a: { row: Insertable<IdempotencyKeysTable> }) =>
  db.insertInto('idempotency_keys').values(a.row).onConflict((oc) => oc.columns(['principal', 'key']).doNothing()).returning('key'),
);
const completeStatement = preparedStatement(
  'complete_idempotency_key',
  (db, a: { set: Updateable<IdempotencyKeysTable>; principal: string; key: string }) =>
    db.updateTable('idempotency_keys').set(a.set).where('principal', '=', a.principal).where('key', '=', a.key),
);

/**
 * Claims the key inside the caller's transaction. The INSERT of a key another
 * transaction holds waits for that transaction: when it commits we get its stored
 * response (replay); when it rolls back our INSERT wins. So two concurrent identical
 * requests have one effect, and the key commits or rolls back with the effect.
 */
export async function claimIdempotencyKey(
  tx: Executor,
  r: IdempotentRequest,
): Promise<{ claimed: true } | { claimed: false; response: StoredResponse }> {
  const hash = requestHash(r);
  const [inserted] = await claimStatement(tx, {
    row: { principal: r.principal, key: r.key, method: r.method, path: r.path, request_hash: hash, status: 0, response: null },
  });
  if (inserted) return { claimed: true };
  const prior = await tx
    .selectFrom('idempotency_keys')
    .select(['request_hash', 'status', 'response', 'response_headers'])
    .where('principal', '=', r.principal)
    .where('key', '=', r.key)
    .executeTakeFirstOrThrow();
  if (prior.request_hash !== hash) throw new IdempotencyKeyReusedError();
  // status 0 is only ever visible inside the claiming transaction.
  if (prior.status === 0) throw new ConflictError('a request with this Idempotency-Key is still in progress');
  return { claimed: false, response: { status: prior.status, body: prior.response, headers: prior.response_headers ?? {} } };
}

export async function completeIdempotencyKey(tx: Executor, r: IdempotentRequest, response: StoredResponse): Promise<void> {
  await completeStatement(tx, {
    set: { status: response.status, response: JSON.stringify(response.body ?? null), response_headers: JSON.stringify(response.headers) },
    principal: r.principal,
    key: r.key,
  });
}
