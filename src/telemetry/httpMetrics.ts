import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { recordHttpRequest, renderMetrics } from './metrics.ts';

/** Label for requests no route matched: raw paths would make one series per URL. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * The route pattern that answered (`/v1/invoices/:id`), never the raw path, so the
 * label set stays as small as the route table. Middleware registered with `use`
 * matches with method ALL; the last non-ALL match is the handler's route.
 */
export function routePattern(c: Context): string {
  const routes = matchedRoutes(c);
  for (let i = routes.length - 1; i >= 0; i--) {
    const r = routes[i]!;
    if (r.method !== 'ALL') return r.path;
  }
  return UNMATCHED_ROUTE;
}

/** Observes accrue_http_server_request_duration_seconds{method,route,status_code}; mount first. */
export function httpMetricsMiddleware(): MiddlewareHandler {
  return async (c, next) => {
    const start = performance.now();
    try {
      await next();
    } finally {
      // Hono's compose turns handler errors into c.res through onError, so c.res.status
      // is the status the client gets (500 when nothing mapped the error).
      recordHttpRequest(c.req.method, routePattern(c), c.res.status, (performance.now() - start) / 1000);
    }
  };
}

/** `GET /metrics` handler: Prometheus text format 0.0.4. */
export async function metricsHandler(c: Context): Promise<Response> {
  const { contentType, body } = await renderMetrics();
  return c.body(body, 200, { 'Content-Type': contentType });
}
