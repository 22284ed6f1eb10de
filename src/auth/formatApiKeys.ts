import type { ApiKeyResource } from './listApiKeys.ts';

const COLUMNS = ['id', 'name', 'scopes', 'status', 'created', 'last used', 'revoked', 'expires'] as const;

/** Pure: `accrue api-key list` as an aligned table, times in UTC to the minute ('-' = never). */
export function formatApiKeys(keys: readonly ApiKeyResource[]): string {
  if (keys.length === 0) return 'no API keys (create one with: accrue api-key create --name N --scopes a,b)\n';
  const minute = (iso: string | null) => (iso ? `${iso.slice(0, 16).replace('T', ' ')}Z` : '-');
  const rows = keys.map((k) => [k.id, k.name, k.scopes.join(','), k.status, minute(k.createdAt), minute(k.lastUsedAt), minute(k.revokedAt), minute(k.expiresAt)]);
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(COLUMNS), ...rows.map(line)].join('\n') + '\n';
}
