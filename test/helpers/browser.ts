import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

const ROOT = path.resolve(import.meta.dirname, '../..');
/** Screenshots and request logs of the browser tests (git-ignored with the rest of .data/). */
export const ARTIFACTS = path.join(ROOT, '.data/artifacts');
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Debian's Chromium (installed by .ci/run when missing), headless, with a fresh
 * profile and nothing running in the background that could call home: the request
 * log then holds only what the page asked for. No browser is ever downloaded.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export type WatchedPage = {
  page: Page;
  context: BrowserContext;
  /** Every URL the page (and its workers) requested, in order. */
  requests: string[];
  /** Console errors and CSP violations the page reported. */
  problems: string[];
  /** Requests to anywhere but `origin` (data: and blob: URLs stay in the page). */
  offOrigin(): string[];
  /**
   * Saves a screenshot (full page unless `fullPage: false`), the first screenful
   * (`name`.viewport.png, what README's pictures are made from) and the request log
   * under .data/artifacts.
   */
  save(name: string, options?: { fullPage?: boolean }): Promise<string>;
  close(): Promise<void>;
};

/** A new context (no cookies, no storage) whose requests and console errors are recorded. */
export async function watchedPage(browser: Browser, origin: string): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, serviceWorkers: 'block' });
  const page = await context.newPage();
  const requests: string[] = [];
  const problems: string[] = [];
  context.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => {
    // With the resource's address: a browser logs a failed load without it.
    if (m.type() === 'error') problems.push(m.location().url ? `${m.text()} (${m.location().url})` : m.text());
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  return {
    page,
    context,
    requests,
    problems,
    offOrigin: () => requests.filter((u) => !u.startsWith(`${origin}/`) && !u.startsWith('data:') && !u.startsWith('blob:')),
    async save(name, options = {}) {
      await mkdir(ARTIFACTS, { recursive: true });
      const file = path.join(ARTIFACTS, `${name}.png`);
      await page.screenshot({ path: file, fullPage: options.fullPage ?? true });
      await page.screenshot({ path: path.join(ARTIFACTS, `${name}.viewport.png`) });
      await writeFile(path.join(ARTIFACTS, `${name}.requests.txt`), `${requests.join('\n')}\n`);
      return file;
    },
    close: () => context.close(),
  };
}

type AxeViolation = { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] };

let axeSource: Promise<string> | undefined;

/**
 * axe-core (from node_modules) run in the page: the serious and critical
 * violations, as "rule: help (targets)". Evaluated through the DevTools protocol,
 * which the page's CSP does not govern, so the console keeps its strict policy.
 */
export async function seriousA11yViolations(page: Page): Promise<string[]> {
  axeSource ??= readFile(path.join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');
  await page.evaluate(await axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run((globalThis as unknown as { document: unknown }).document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
}
