import { Hono } from 'hono';
import { livez, readyz, type ReadinessDeps } from './checks.ts';

/**
 * `GET /livez` and `GET /readyz` for Docker and Kubernetes probes, unauthenticated:
 * mount at the root (`app.route('/', healthRoutes(deps))`) before auth. A failing
 * readiness answers 503 with the report, `reason` naming what failed.
 */
export function healthRoutes(deps: ReadinessDeps): Hono {
  const app = new Hono();
  app.get('/livez', (c) => c.json(livez()));
  app.get('/readyz', async (c) => {
    const report = await readyz(deps);
    c.header('Cache-Control', 'no-store');
    return c.json(report, report.status === 'ok' ? 200 : 503);
  });
  return app;
}
