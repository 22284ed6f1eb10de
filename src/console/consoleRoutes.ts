import path from 'node:path';
import { Hono } from 'hono';
import { PAGES, renderPage, SIGN_IN } from './consolePages.ts';
import { CONSOLE_CSP, pageHeaders } from './securityHeaders.ts';
import { fileServer, packageDir, staticFile, type StaticFile } from './staticFiles.ts';

const ASSETS = path.join(import.meta.dirname, 'assets');
const OWN = [
  'console.css', 'favicon.svg',
  'lib/api.js', 'lib/session.js', 'lib/dom.js', 'lib/format.js', 'lib/charts.js', 'lib/dialog.js',
  'pages/sign-in.js', 'pages/overview.js', 'pages/archive.js', 'pages/invoices.js', 'pages/revenue.js', 'pages/access.js',
];

/**
 * The operator console under /console: HTML shells, their scripts and styles, and
 * Chart.js from node_modules (pinned in package.json). The pages are public like
 * /docs; every figure on them is fetched from /v1 with the user's own token, so the
 * console can show nothing a client of the API could not read itself.
 */
export function consoleRoutes(): Hono {
  const own = Object.fromEntries(OWN.map((name) => [name, staticFile(path.join(ASSETS, name))])) as Record<string, StaticFile>;
  const assets = fileServer(own);
  const vendor = fileServer({ 'chart.umd.min.js': staticFile(path.join(packageDir('chart.js'), 'dist/chart.umd.min.js')) });
  // Rendered once: the shells hold no data.
  const html = new Map([...PAGES, SIGN_IN].map((p) => [p.path, renderPage(p)]));

  const app = new Hono();
  for (const [pagePath, body] of html) app.get(pagePath, (c) => c.body(body, 200, pageHeaders(CONSOLE_CSP)));
  app.get('/console/', (c) => c.redirect('/console', 301));
  app.get('/console/assets/*', async (c) => (await assets(c, c.req.path.slice('/console/assets/'.length))) ?? c.notFound());
  app.get('/console/vendor/:name', async (c) => (await vendor(c, c.req.param('name'))) ?? c.notFound());
  return app;
}
