import { z } from 'zod';
import { ValidationError } from '../errors.ts';
import { SCOPES, scopeSchema, type Scope } from '../events/schemas/scopes.ts';

export { SCOPES, scopeSchema, type Scope };

/** Who is calling: stored as the `actor` of every event the call writes. */
export type Principal = { id: string; name: string; scopes: readonly Scope[] };

export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.includes('admin') || principal.scopes.includes(scope);
}

/** Parses 'a,b' from the CLI; unknown names are refused so a typo never grants nothing silently. */
export function parseScopes(list: string): Scope[] {
  const names = list.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const parsed = z.array(scopeSchema).min(1).safeParse(names);
  if (!parsed.success) throw new ValidationError(`scopes must be a comma-separated list of: ${SCOPES.join(', ')}`);
  return [...new Set(parsed.data)];
}
