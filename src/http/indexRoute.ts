import type { ApiApp } from './context.ts';
import { SERVICE_VERSION } from '../values/serviceVersion.ts';
import { CONSOLE_CSP, pageHeaders } from '../console/securityHeaders.ts';

const LINKS = {
  docs: '/docs',
  console: '/console',
  openapi: '/openapi.json',
  api: '/v1',
  liveness: '/livez',
  readiness: '/readyz',
};

const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>accrue</title><link rel="icon" href="/console/assets/favicon.svg" type="image/svg+xml"><link rel="stylesheet" href="/console/assets/console.css"></head>
<body><main id="main"><h1>accrue ${SERVICE_VERSION}</h1><p>Revenue books kept in step with invoices.</p>
<ul><li><a href="/console">Operator console</a></li><li><a href="/docs">API reference</a> (<a href="/openapi.json">OpenAPI 3.1</a>)</li><li><a href="/readyz">Readiness</a></li></ul></main></body>
</html>
`;

/**
 * GET /: what this server is and where to go next, for a person or a client that
 * knows nothing yet: JSON with the links, or (a browser, Accept: text/html) a page of them.
 */
export function registerIndexRoute(app: ApiApp): void {
  app.get('/', (c) => {
    if ((c.req.header('accept') ?? '').includes('text/html')) return c.body(PAGE, 200, pageHeaders(CONSOLE_CSP));
    return c.json({ name: 'accrue', description: 'Revenue books kept in step with invoices', version: SERVICE_VERSION, links: LINKS });
  });
}
