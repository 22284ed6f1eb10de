import { Hono } from 'hono';
import { metricsHandler } from '../../telemetry/httpMetrics.ts';
import type { ReadinessDeps } from './checks.ts';
import { healthRoutes } from './healthRoutes.ts';

/** The paths of opsRoutes(): public, and kept out of the access log at info level (probes every few seconds). */
export const OPS_PATHS: ReadonlySet<string> = new Set(['/livez', '/readyz', '/metrics']);

/**
 * What every accrue process serves for its operators, unauthenticated:
 * `GET /livez`, `GET /readyz` (503 with the reason) and `GET /metrics` (Prometheus
 * text). The API mounts it at its root; relay and worker processes serve it alone
 * through createOpsServer().
 */
export function opsRoutes(deps: ReadinessDeps, options: { metrics?: boolean } = {}): Hono {
  const app = healthRoutes(deps);
  if (options.metrics ?? true) app.get('/metrics', metricsHandler);
  return app;
}
