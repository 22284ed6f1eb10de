import type { MiddlewareHandler } from 'hono';
import { bootstrapPrincipal, findActiveKey } from '../../auth/apiKeys.ts';
import { recordKeyUse } from '../../auth/recordKeyUse.ts';
import { hasScope, type Scope } from '../../auth/scopes.ts';
import { ForbiddenError, UnauthorizedError } from '../../errors.ts';
import type { ApiEnv, RouteDeps } from '../context.ts';

const BEARER = /^Bearer\s+([A-Za-z0-9._~+/=-]{1,512})$/i;

/**
 * Bearer token → principal (401 when missing, malformed, unknown, revoked or expired).
 * The key row is read on every request, so a revocation holds from the next one.
 */
export function authenticate(deps: RouteDeps): MiddlewareHandler<ApiEnv> {
  const clock = deps.now;
  return async (c, next) => {
    const match = BEARER.exec(c.req.header('authorization') ?? '');
    if (!match) throw new UnauthorizedError();
    const token = match[1]!;
    const bootstrap = bootstrapPrincipal(deps.bootstrapToken, token);
    if (bootstrap) {
      c.set('principal', bootstrap);
      return next();
    }
    const now = clock();
    const key = await findActiveKey(deps.db, token, now);
    if (!key) throw new UnauthorizedError();
    // Bookkeeping, not a decision: a failed write must not refuse a valid key.
    await recordKeyUse(deps.db, key.principal.id, key.lastUsedAt, now).catch((err: unknown) =>
      (c.get('log') ?? deps.log).warn({ err, keyId: key.principal.id }, 'could not record when the API key was last used'),
    );
    c.set('principal', key.principal);
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
