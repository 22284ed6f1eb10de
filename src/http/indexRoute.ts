import type { ApiApp } from './context.ts';
import { SERVICE_VERSION } from '../values/serviceVersion.ts';

/** GET /: what this server is and where to go next, for a person or a client that knows nothing yet. */
export function registerIndexRoute(app: ApiApp): void {
  app.get('/', (c) =>
    c.json({
      name: 'accrue',
      description: 'Revenue books kept in step with invoices',
      version: SERVICE_VERSION,
      links: {
        docs: '/docs',
        openapi: '/openapi.json',
        api: '/v1',
        liveness: '/livez',
        readiness: '/readyz',
      },
    }),
  );
}
