import { z } from 'zod';
import type { Selectable } from 'kysely';
import type { Executor } from '../db/connect.ts';
import type { ApiKeysTable } from '../db/tables/invoicingTables.ts';

const instant = z.string().meta({ format: 'date-time', description: 'ISO 8601 instant (UTC)' });

/** A key as operators see it (CLI `api-key list --json`, GET /v1/api-keys): never the token or its hash. */
export const apiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    scopes: z.array(z.string()).meta({ description: 'invoices:read, invoices:write, events:write, reports:read or admin' }),
    status: z.enum(['active', 'revoked', 'expired']),
    createdAt: instant,
    lastUsedAt: instant.nullable().meta({ description: 'at most a minute stale' }),
    revokedAt: instant.nullable(),
    expiresAt: instant.nullable(),
  })
  .meta({ id: 'ApiKey' });
export type ApiKeyResource = z.infer<typeof apiKeySchema>;

type KeyRow = Omit<Selectable<ApiKeysTable>, 'token_hash'>;
const COLUMNS = ['id', 'name', 'scopes', 'created_at', 'last_used_at', 'revoked_at', 'expires_at'] as const;

/** Pure: the row as a resource; `status` is as of `now` (an expired key was not revoked, it ran out). */
export function apiKeyResource(row: KeyRow, now: Date): ApiKeyResource {
  const status = row.revoked_at ? 'revoked' : row.expires_at && row.expires_at.getTime() <= now.getTime() ? 'expired' : 'active';
  return {
    id: row.id,
    name: row.name,
    scopes: row.scopes,
    status,
    createdAt: row.created_at.toISOString(),
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
    revokedAt: row.revoked_at?.toISOString() ?? null,
    expiresAt: row.expires_at?.toISOString() ?? null,
  };
}

/** Every key, oldest first. Keys are few (people and systems, not customers): no paging. */
export async function listApiKeys(db: Executor, now: Date): Promise<ApiKeyResource[]> {
  const rows = await db.selectFrom('api_keys').select(COLUMNS).orderBy('created_at').orderBy('id').execute();
  return rows.map((r) => apiKeyResource(r, now));
}

export async function findApiKey(db: Executor, id: string, now: Date): Promise<ApiKeyResource | null> {
  const row = await db.selectFrom('api_keys').select(COLUMNS).where('id', '=', id).executeTakeFirst();
  return row ? apiKeyResource(row, now) : null;
}
