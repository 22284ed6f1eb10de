import path from 'node:path';
import { Hono } from 'hono';
import { DOCS_CSP, pageHeaders } from './securityHeaders.ts';
import { fileServer, packageDir, staticFile } from './staticFiles.ts';

const ASSETS = path.join(import.meta.dirname, 'assets');

/** Scalar's self-contained browser bundle (pinned in package.json), and the few lines that start it. */
const files = fileServer({
  'scalar.js': staticFile(path.join(packageDir('@scalar/api-reference'), 'dist/browser/standalone.js')),
  'docs.js': staticFile(path.join(ASSETS, 'docs.js')),
  'docs.css': staticFile(path.join(ASSETS, 'docs.css')),
});

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>accrue API reference</title>
<link rel="icon" href="/console/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/docs/assets/docs.css">
</head>
<body>
<div id="reference" data-openapi="/openapi.json"></div>
<script src="/docs/assets/scalar.js"></script>
<script src="/docs/assets/docs.js"></script>
</body>
</html>
`;

/**
 * GET /docs: the API reference of /openapi.json, rendered offline. Every byte comes
 * from this server (no CDN), so it works on a machine without internet.
 */
export function apiReferenceRoutes(): Hono {
  const app = new Hono();
  app.get('/docs', (c) => c.body(PAGE, 200, pageHeaders(DOCS_CSP)));
  app.get('/docs/assets/:name', async (c) => (await files(c, c.req.param('name'))) ?? c.notFound());
  return app;
}
