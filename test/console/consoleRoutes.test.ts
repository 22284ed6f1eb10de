import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAGES, SIGN_IN } from '../../src/console/consolePages.ts';
import { createTestApi, type TestApi } from '../helpers/testApi.ts';

// What the console and /docs serve, through app.request(): the shells, their
// policy, the files and nothing else. Costs: one test database, ~30 requests.
let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(async () => {
  await api.drop();
});

const get = (path: string, headers: Record<string, string> = {}) => api.app.request(path, { headers });

describe('the console and /docs over HTTP', () => {
  it('serves every page without a token, under a CSP with no inline script, style or third-party source', async () => {
    for (const page of [...PAGES, SIGN_IN]) {
      const res = await get(page.path);
      expect(res.status, page.path).toBe(200);
      const csp = res.headers.get('content-security-policy')!;
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
      const html = await res.text();
      // Every script has a src on this server; no inline script or style, no absolute URL.
      expect(html.match(/<script(?![^>]*\bsrc="\/console\/)/g)).toBeNull();
      expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=|https?:\/\//);
      expect(html).toContain(`<title>${page.title} · accrue console</title>`);
    }
  });

  it('serves its scripts, styles and Chart.js from this server with an ETag, and nothing outside its list', async () => {
    const script = await get('/console/assets/pages/overview.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const etag = script.headers.get('etag')!;
    expect((await get('/console/assets/pages/overview.js', { 'if-none-match': etag })).status).toBe(304);
    const chart = await get('/console/vendor/chart.umd.min.js');
    expect(chart.status).toBe(200);
    expect(await chart.text()).toContain('Chart.js v4.6.1');
    for (const path of ['/console/assets/../consoleRoutes.ts', '/console/assets/%2e%2e/consoleRoutes.ts', '/console/assets/nope.js', '/console/vendor/chart.js', '/docs/assets/package.json']) {
      expect((await get(path)).status, path).toBe(404);
    }
  });

  it('/docs loads the API reference from this server (the pinned Scalar bundle), not a CDN', async () => {
    const docs = await get('/docs');
    const html = await docs.text();
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).toContain('<script src="/docs/assets/scalar.js"></script>');
    const bundle = await get('/docs/assets/scalar.js');
    expect(bundle.status).toBe(200);
    expect((await bundle.text()).length).toBeGreaterThan(1_000_000);
  });

  it('/ links to the console: as JSON for a client, as a page for a browser', async () => {
    expect(await (await get('/')).json()).toMatchObject({ links: { console: '/console', docs: '/docs' } });
    const page = await get('/', { accept: 'text/html,application/xhtml+xml' });
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('<a href="/console">Operator console</a>');
  });
});
