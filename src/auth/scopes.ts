import { z } from 'zod';

/** Every scope a key can hold. `admin` implies all the others. */
export const SCOPES = ['invoices:read', 'invoices:write', 'events:write', 'reports:read', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];
export const scopeSchema = z.enum(SCOPES);

/** Who is calling: stored as the `actor` of every event the call writes. */
export type Principal = { id: string; name: string; scopes: readonly Scope[] };

export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.includes('admin') || principal.scopes.includes(scope);
}

/** Parses 'a,b' from the CLI; unknown names are refused so a typo never grants nothing silently. */
export function parseScopes(list: string): Scope[] {
  const names = list.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const parsed = z.array(scopeSchema).min(1).safeParse(names);
  if (!parsed.success) throw new Error(`scopes must be a comma-separated list of: ${SCOPES.join(', ')}`);
  return [...new Set(parsed.data)];
}
