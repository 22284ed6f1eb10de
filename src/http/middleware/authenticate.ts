import type { MiddlewareHandler } from 'hono';
import { bootstrapPrincipal, findPrincipalByToken } from '../../auth/apiKeys.ts';
import { hasScope, type Scope } from '../../auth/scopes.ts';
import { ForbiddenError, UnauthorizedError } from '../../errors.ts';
import type { ApiDeps, ApiEnv } from '../context.ts';

const BEARER = /^Bearer\s+([A-Za-z0-9._~+/=-]{1,512})$/i;

/** Bearer token → principal (401 when missing, malformed, unknown or revoked). */
export function authenticate(deps: ApiDeps): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const match = BEARER.exec(c.req.header('authorization') ?? '');
    if (!match) throw new UnauthorizedError();
    const token = match[1]!;
    const principal = bootstrapPrincipal(deps.bootstrapToken, token) ?? (await findPrincipalByToken(deps.db, token));
    if (!principal) throw new UnauthorizedError();
    c.set('principal', principal);
    await next();
  };
}

/** 403 unless the caller's key holds `scope` (or admin). Use in a route's `middleware`. */
export function requireScope(scope: Scope): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const principal = c.get('principal');
    if (!principal) throw new UnauthorizedError();
    if (!hasScope(principal, scope)) throw new ForbiddenError(`this call needs the '${scope}' scope`);
    await next();
  };
}
