import type { MiddlewareHandler } from 'hono';
import { cors as honoCors } from 'hono/cors';
import type { ApiEnv } from '../context.ts';

/**
 * CORS for the configured origins (ACCRUE_CORS_ORIGINS). A preflight (OPTIONS with
 * Access-Control-Request-Method) is answered 204 here, before authentication; the
 * headers a client reads (ETag, Location, Idempotent-Replayed, X-Correlation-Id)
 * are exposed to the page.
 */
export function cors(origins: readonly string[]): MiddlewareHandler<ApiEnv> {
  return honoCors({
    origin: origins.includes('*') ? '*' : [...origins],
    allowMethods: ['GET', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
    allowHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'If-Match', 'X-Correlation-Id', 'traceparent'],
    exposeHeaders: ['ETag', 'Location', 'Idempotent-Replayed', 'X-Correlation-Id', 'WWW-Authenticate'],
    maxAge: 600,
  });
}
