import { sql } from 'kysely';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, seriousA11yViolations, watchedPage, type WatchedPage } from '../helpers/browser.ts';
import { ADMIN_TOKEN, startSeededServer, type SeededServer } from '../helpers/seededServer.ts';

// The console in Debian's Chromium against the whole service (API, relay, worker with
// revenue and a probe subscriber) on a seeded ledger. Costs: one database, one
// browser, ~20 s of seeding and draining. Each test leaves a screenshot and its
// request log in .data/artifacts, and fails on any request that left the server, on a
// console error (a CSP violation shows as one) and on a serious or critical axe finding.
let server: SeededServer;
let browser: Browser;
let w: WatchedPage | undefined;

beforeAll(async () => {
  server = await startSeededServer();
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
});
afterEach(() => w?.close());

/** A fresh context signed in with `token` through the sign-in form, then on `path`. */
async function signedIn(token: string, path: string): Promise<WatchedPage> {
  w = await watchedPage(browser, server.origin);
  await w.page.goto(`${server.origin}${path}`);
  await w.page.waitForURL(/\/console\/sign-in/);
  await w.page.getByLabel('API token').fill(token);
  await w.page.getByRole('button', { name: 'Sign in' }).click();
  await w.page.waitForURL((url) => url.pathname === path);
  await w.page.locator('body[data-loaded="true"]').waitFor();
  return w;
}

/** What every page must hold to: nothing off the server, no console error, no serious axe finding. */
async function checkPage(name: string): Promise<void> {
  await w!.save(name);
  expect(w!.offOrigin()).toEqual([]);
  expect(w!.problems).toEqual([]);
  expect(await seriousA11yViolations(w!.page)).toEqual([]);
}

describe('the operator console in Chromium', () => {
  it('signs in with a token and the overview shows the seeded queue counts', async () => {
    await signedIn(ADMIN_TOKEN, '/console');
    const status = await server.call('GET', '/v1/ops/status');
    expect(status.queues.revenue.completed).toBeGreaterThanOrEqual(5);
    for (const queue of ['revenue', 'probe']) {
      for (const state of ['completed', 'failed']) {
        const cell = w!.page.locator(`[data-queue="${queue}"][data-state="${state}"]`);
        await expect.poll(() => cell.textContent()).toBe(String(status.queues[queue][state]));
      }
    }
    await expect.poll(() => w!.page.locator('.stat', { hasText: 'Failed-job archive' }).locator('.value').textContent()).toBe('1');
    // The throughput chart drew the last hour, with the seeded jobs in it.
    const relayed = await w!.page.evaluate(() => {
      const g = globalThis as any;
      const chart = g.Chart.getChart(g.document.getElementById('throughput-chart'));
      return { minutes: chart.data.labels.length, jobs: chart.data.datasets[0].data.reduce((a: number, b: number) => a + b, 0) };
    });
    expect(relayed.minutes).toBe(60);
    expect(relayed.jobs).toBeGreaterThanOrEqual(10);
    await checkPage('console-overview');
  });

  it('a poisoned job is in the archive; replaying it from the console (dry run, confirm) applies it exactly once', async () => {
    const archive = await server.call('GET', '/v1/archive?subscriber=probe');
    expect(archive.total).toBe(1);
    const job = archive.items[0];
    expect(job.payload.aggregateId).toBe(server.poisonedInvoice);
    expect(await server.probeEffects(job.eventId)).toBe(0);

    await signedIn(ADMIN_TOKEN, '/console/archive');
    const row = w!.page.locator('table.archive tbody tr', { hasText: 'probe' });
    await expect.poll(() => row.count()).toBe(1);
    await row.getByRole('button', { name: `Open archived job ${job.id}` }).click();
    await w!.page.locator('#detail').getByText(server.poisonedInvoice).first().waitFor();

    server.fixProbe();
    await row.getByRole('checkbox').check();
    await w!.page.getByRole('button', { name: 'Replay selected…' }).click();
    const dialog = w!.page.getByRole('dialog');
    await dialog.locator('#replay-preview').waitFor();
    expect(await dialog.locator('#replay-preview').textContent()).toContain('Dry run: 1 job(s) match');
    await w!.save('console-archive-confirm', { fullPage: false });
    await dialog.getByRole('button', { name: 'Replay' }).click();
    await w!.page.locator('#page-message:not([hidden])').waitFor();
    expect(await w!.page.locator('#page-message').textContent()).toContain('Replayed 1 of 1 job(s)');

    await expect.poll(() => server.probeEffects(job.eventId), { timeout: 20_000 }).toBe(1);
    const after = await server.call('GET', `/v1/archive?ids=${job.id}`);
    expect(after.items[0].replayCount).toBe(1);
    // Recorded with the operator as the actor.
    const { rows } = await sql<{ actor: string; data: { archiveIds: number[] } }>`
      SELECT actor, data FROM events WHERE type = 'ArchiveReplayed'`.execute(server.t.db);
    expect(rows).toEqual([{ actor: 'bootstrap', data: expect.objectContaining({ archiveIds: [job.id], replayed: 1 }) }]);
    await checkPage('console-archive');
  });

  it('a read-only token is offered only what it may use: no overview, no archive, no replay button', async () => {
    const key = await server.call('POST', '/v1/api-keys', { name: 'auditor', scopes: ['reports:read', 'invoices:read'] });
    await signedIn(key.token, '/console/revenue');
    const nav = w!.page.getByRole('navigation', { name: 'Console pages' });
    expect(await nav.getByRole('link').allTextContents()).toEqual(['Invoice', 'Revenue']);
    await w!.page.goto(`${server.origin}/console/archive`);
    await w!.page.locator('#page-message', { hasText: 'needs a token with' }).waitFor();
    expect(await w!.page.getByRole('button', { name: /Replay/ }).count()).toBe(0);
    expect(await w!.page.locator('table.archive').count()).toBe(0);
    await checkPage('console-read-only');
  });
});
