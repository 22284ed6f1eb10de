import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { startApi, type RunningApi } from '../../src/runtime/startApi.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { ARTIFACTS, launchChromium, seriousA11yViolations, watchedPage } from '../helpers/browser.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase.ts';

let t: TestDatabase;
let api: RunningApi;
let browser: Browser;
let dataDir: string;

beforeAll(async () => {
  t = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'accrue-docs-'));
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', ACCRUE_BOOTSTRAP_TOKEN: 'docs-test-token-0123456789', ACCRUE_DATA_DIR: dataDir });
  api = await startApi({ config, log: silentLogger, database: { url: t.url, embedded: false, stop: async () => {} }, print: () => {} });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await api?.close();
  await t?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('/docs in Chromium with no network but the accrue server', () => {
  it('renders the API reference with every path of /openapi.json, every byte from accrue', async () => {
    const doc = (await (await fetch(`${api.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, { operationId?: string }>> };
    const operations = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op.operationId!));
    expect(operations.length).toBeGreaterThan(30);

    const w = await watchedPage(browser, api.url);
    try {
      const res = await w.page.goto(`${api.url}/docs`);
      expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");
      await w.page.getByText('accrue API', { exact: false }).first().waitFor();
      // Every operation of every path is listed by its summary (the navigation opens every tag).
      const text = await w.page.locator('body').innerText();
      const summaries = Object.values(doc.paths).flatMap((item) =>
        Object.values(item as Record<string, { summary?: string }>).map((op) => op.summary!.slice(0, 40)),
      );
      const missing = summaries.filter((s) => !text.includes(s));
      expect(missing).toEqual([]);
      expect(operations.length).toBe(summaries.length);
      await w.save('docs', { fullPage: false });
      expect(w.problems).toEqual([]);
      expect(w.offOrigin()).toEqual([]);
      expect(w.requests).toContain(`${api.url}/docs/assets/scalar.js`);
      expect(w.requests).toContain(`${api.url}/openapi.json`);
      // Scalar's own UI is not held to the console's axe bar (its sidebar toggles have no
      // name, its placeholder text is low contrast); what it reports is kept beside the screenshot.
      await writeFile(path.join(ARTIFACTS, 'docs.axe.txt'), `${(await seriousA11yViolations(w.page)).join('\n')}\n`);
    } finally {
      await w.close();
    }
  });
});
