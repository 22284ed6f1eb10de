import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { uuidv7 } from '../values/uuidv7.ts';
import type { Db, Executor } from '../db/connect.ts';
import { appendEvents, type EventContext } from '../events/appendEvents.ts';
import { todayUtc } from '../values/dates.ts';
import { registerSecret } from '../telemetry/logger.ts';
import { SCOPES, scopeSchema, type Principal, type Scope } from './scopes.ts';

// Tokens are 32 random bytes (256 bits): a plain sha256 is enough to store them,
// no slow KDF needed (they are not guessable passwords).
const TOKEN_PREFIX = 'acc_';

/** A token's sha256: its bytes (the bootstrap token's constant-time comparison) or, stored, hex (hashToken). */
const digest = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

export function hashToken(token: string): string {
  return digest(token).toString('hex');
}

export function newToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export type CreatedApiKey = { id: string; name: string; scopes: Scope[]; token: string; createdAt: Date; expiresAt: Date | null };

/**
 * Creates a key in `tx`, the caller's transaction: the key row and its ApiKeyCreated
 * event (id, name, scopes, expiry: never the token) commit with it. The token is
 * returned once; only its hash is stored.
 */
export async function insertApiKey(
  tx: Executor,
  input: { name: string; scopes: readonly Scope[]; expiresAt?: Date | null },
  audit: EventContext,
  now: Date,
): Promise<CreatedApiKey> {
  const token = newToken();
  // Before anything can log it: no log line of this process will ever contain it.
  registerSecret(token);
  const id = `key_${uuidv7()}`;
  const scopes = [...input.scopes];
  const expiresAt = input.expiresAt ?? null;
  await tx
    .insertInto('api_keys')
    .values({ id, name: input.name, token_hash: hashToken(token), scopes, created_at: now, expires_at: expiresAt })
    .execute();
  const data = { keyId: id, name: input.name, scopes, ...(expiresAt ? { expiresAt: expiresAt.toISOString() } : {}) };
  await appendEvents(tx, [{ type: 'ApiKeyCreated', aggregateId: id, occurredAt: todayUtc(now), source: 'system', data }], audit);
  return { id, name: input.name, scopes, token, createdAt: now, expiresAt };
}

/** insertApiKey in a transaction of its own on `db` (the pool): for the CLI, the local token and tests. */
export function createApiKey(
  db: Db,
  input: { name: string; scopes: readonly Scope[]; expiresAt?: Date | null },
  audit: EventContext = { actor: 'system', correlationId: uuidv7() },
  now: Date = new Date(),
): Promise<CreatedApiKey> {
  return db.transaction().execute((tx) => insertApiKey(tx, input, audit, now));
}

/** A key that may authenticate now, with when it was last seen doing so. */
export type ActiveKey = { principal: Principal; lastUsedAt: Date | null };

/** The key of `token` unless it is unknown, revoked, or expired at `now`. */
export async function findActiveKey(db: Executor, token: string, now: Date = new Date()): Promise<ActiveKey | null> {
  const row = await db
    .selectFrom('api_keys')
    .select(['id', 'name', 'scopes', 'last_used_at'])
    .where('token_hash', '=', hashToken(token))
    .where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .executeTakeFirst();
  if (!row) return null;
  const scopes = row.scopes.filter((s): s is Scope => scopeSchema.safeParse(s).success);
  return { principal: { id: row.id, name: row.name, scopes }, lastUsedAt: row.last_used_at };
}

export async function findPrincipalByToken(db: Executor, token: string, now: Date = new Date()): Promise<Principal | null> {
  return (await findActiveKey(db, token, now))?.principal ?? null;
}

export async function isActiveToken(db: Executor, token: string): Promise<boolean> {
  return (await findPrincipalByToken(db, token)) !== null;
}

// The bootstrap token's hash, computed once per token rather than on every request; its
// bytes, for timingSafeEqual (hashToken's hex and back was two more copies a request).
let expectedHashOf: { token: string; hash: Buffer } | undefined;
function expectedHash(token: string): Buffer {
  if (expectedHashOf?.token !== token) expectedHashOf = { token, hash: digest(token) };
  return expectedHashOf.hash;
}

/** The bootstrap token (ACCRUE_BOOTSTRAP_TOKEN) compared in constant time. */
export function bootstrapPrincipal(expected: string | undefined, token: string): Principal | null {
  if (!expected) return null;
  const a = expectedHash(expected);
  const b = digest(token);
  return timingSafeEqual(a, b) ? { id: 'bootstrap', name: 'bootstrap', scopes: SCOPES } : null;
}
