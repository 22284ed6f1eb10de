import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, seriousA11yViolations, watchedPage, type WatchedPage } from '../helpers/browser.ts';
import { waitUntilDrained } from '../../src/bus/operator/getStatus.ts';
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
    // Jobs, not events: a burst of seeded events may be one bundle job (docs/subscribers.md "Bundles"),
    // and a lone event of revenue is applied by the relay itself, with no job ("Applied in the relay").
    expect(status.queues.revenue.completed + (status.appliedInRelay.revenue ?? 0)).toBeGreaterThanOrEqual(1);
    for (const queue of ['revenue', 'probe']) {
      for (const state of ['completed', 'failed']) {
        const cell = w!.page.locator(`[data-queue="${queue}"][data-state="${state}"]`);
        await expect.poll(() => cell.textContent()).toBe(String(status.queues[queue][state]));
      }
      const applied = w!.page.locator(`[data-queue="${queue}"][data-state="appliedInRelay"]`);
      await expect.poll(() => applied.textContent()).toBe(String(status.appliedInRelay[queue] ?? 0));
    }
    await expect.poll(() => w!.page.locator('.stat', { hasText: 'Failed-job archive' }).locator('.value').textContent()).toBe('1');
    // The throughput chart drew the last hour, with the seeded jobs in it.
    const relayed = await w!.page.evaluate(() => {
      const g = globalThis as any;
      const chart = g.Chart.getChart(g.document.getElementById('throughput-chart'));
      return { minutes: chart.data.labels.length, jobs: chart.data.datasets[0].data.reduce((a: number, b: number) => a + b, 0) };
    });
    expect(relayed.minutes).toBe(60);
    const throughput = await server.call('GET', '/v1/ops/throughput?minutes=60');
    const minutes = throughput.minutes as { relayed: number; lagMaxMs: number | null }[];
    expect(relayed.jobs).toBe(minutes.reduce((n, m) => n + m.relayed, 0));
    // Every seeded event went to each of its subscribers (4 InvoiceCreated to revenue and probe, a payment to revenue), bundled or not.
    expect(relayed.jobs).toBeGreaterThanOrEqual(9);
    expect(minutes.filter((m) => m.relayed > 0).every((m) => m.lagMaxMs !== null && m.lagMaxMs >= 0)).toBe(true);

    // It refreshes itself: one more invoice, and revenue's count follows (the relay applies a lone event itself).
    const customer = (await server.call('GET', `/v1/invoices/${server.invoiceIds[0]}`)).customerId;
    await server.call('POST', '/v1/invoices', { customerId: customer, currency: 'USD', lines: [{ lineId: 'l', kind: 'revenue', description: 'Extra', amount: 100 }] });
    const cell = (state: string) => w!.page.locator(`[data-queue="revenue"][data-state="${state}"]`);
    const handled = async () => Number(await cell('completed').textContent()) + Number(await cell('appliedInRelay').textContent());
    await expect.poll(handled, { timeout: 20_000 }).toBe(status.queues.revenue.completed + (status.appliedInRelay.revenue ?? 0) + 1);
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
    // The filter narrows by error text (and finds nothing for text no error has).
    await w!.page.getByLabel('Error contains').fill('no such error text');
    await w!.page.getByRole('button', { name: 'Filter' }).click();
    await w!.page.getByText('0 archived job(s) match').waitFor();
    await w!.page.getByLabel('Error contains').fill('POISONED for the console');
    await w!.page.getByRole('button', { name: 'Filter' }).click();
    await w!.page.getByText('1 archived job(s) match').waitFor();

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

  it("an invoice's timeline shows its ledger entries, beside its schedule and journal", async () => {
    const id = server.invoiceIds[0]!;
    const audit = await server.call('GET', `/v1/invoices/${id}/audit`);
    const entryIds = [
      ...audit.chain.flatMap((l: { ledgerEntries: { entryId: number }[] }) => l.ledgerEntries.map((e) => e.entryId)),
      ...audit.otherLedgerEntries.map((o: { entry: { entryId: number } }) => o.entry.entryId),
    ].sort((a: number, b: number) => a - b);
    expect(entryIds.length).toBeGreaterThanOrEqual(3); // issue, payment, recognition

    await signedIn(ADMIN_TOKEN, '/console/invoices');
    await w!.page.getByLabel('Invoice id, customer id or customer external id').fill(id);
    await w!.page.getByRole('button', { name: 'Find' }).click();
    await w!.page.waitForURL((url) => url.searchParams.get('id') === id);
    await w!.page.locator('#timeline .ledger-entry').first().waitFor();
    const shown = (await w!.page.locator('#timeline .ledger-entry').evaluateAll((els) => els.map((e) => Number((e as any).dataset.entryId)))).sort((a, b) => a - b);
    expect(shown).toEqual(entryIds);
    expect(await w!.page.locator('#timeline .event h3').first().textContent()).toBe('InvoiceCreated');
    const book = await server.call('GET', `/v1/invoices/${id}/book`);
    const journalRows = book.entries.reduce((n: number, e: { lines: unknown[] }) => n + e.lines.length, 0);
    expect(await w!.page.locator('table.journal tbody tr').count()).toBe(journalRows);
    expect(await w!.page.locator('table.schedule tbody tr').count()).toBe(book.schedule.length);
    await checkPage('console-invoice');
  });

  it('the revenue chart draws the seeded months; a month closes from the console (admin, confirmed) and is marked; CSV downloads', async () => {
    const revenue = (await server.call('GET', '/v1/reports/revenue-by-month?currency=USD')).USD as Record<string, number>;
    for (const month of server.months) expect(revenue[month]).toBeGreaterThan(0);

    await signedIn(ADMIN_TOKEN, '/console/revenue');
    const drawn = await w!.page.evaluate(() => {
      const g = globalThis as any;
      const chart = g.Chart.getChart(g.document.getElementById('revenue-chart'));
      return { labels: chart.data.labels as string[], data: chart.data.datasets[0].data as number[] };
    });
    expect(drawn.labels).toEqual(Object.keys(revenue).sort());
    expect(drawn.data).toEqual(Object.keys(revenue).sort().map((m) => revenue[m]! / 100));

    const download = w!.page.waitForEvent('download');
    await w!.page.locator('[data-csv="revenue-by-month"]').click();
    const csv = await (await download).path().then((file) => readFile(file, 'utf8'));
    expect(csv.split('\n')[0]).toMatch(/currency/i);
    expect(csv).toContain(server.months[0]);

    const month = server.months[0]!;
    await w!.page.getByLabel('Month', { exact: true }).selectOption(month);
    await w!.page.getByRole('button', { name: 'Close month…' }).click();
    await w!.page.getByRole('dialog').getByRole('button', { name: `Close ${month}` }).click();
    await w!.page.locator('#page-message', { hasText: `${month} is closed.` }).waitFor();
    expect((await server.call('GET', '/v1/periods')).items.map((p: { period: string }) => p.period)).toEqual([month]);
    await w!.page.locator('table.revenue tbody tr', { hasText: month }).locator('.closed-period').waitFor();
    await checkPage('console-revenue');
  });

  it('access: an admin creates a key (its token shown once, with the scopes asked) and revokes it; webhook endpoints show their recent deliveries', async () => {
    // A receiver on loopback, an endpoint for invoice creations, one invoice: one delivery.
    const received: string[] = [];
    const receiver = createServer((req, res) => {
      received.push(String(req.headers['webhook-id']));
      req.resume().on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    try {
      const port = (receiver.address() as AddressInfo).port;
      await server.call('POST', '/v1/webhook-endpoints', { url: `http://127.0.0.1:${port}/hook`, eventTypes: ['InvoiceCreated'], description: 'console receiver' });
      const customer = await server.call('POST', '/v1/customers', { name: 'Hooked', email: 'hooked@example.com' });
      await server.call('POST', '/v1/invoices', { customerId: customer.id, currency: 'USD', lines: [{ lineId: 'l', kind: 'revenue', description: 'Plan', amount: 100 }] });
      await waitUntilDrained(server.t.db, { timeoutMs: 30_000 });
      expect(received).toHaveLength(1);
    } finally {
      await new Promise((r) => receiver.close(r));
    }

    await signedIn(ADMIN_TOKEN, '/console/access');
    await w!.page.getByLabel('Name').fill('console-made');
    await w!.page.getByLabel('reports:read').check();
    await w!.page.getByRole('button', { name: 'Create key' }).click();
    const token = (await w!.page.locator('#new-token').textContent())!;
    expect(await server.call('GET', '/v1/me', undefined, token)).toMatchObject({ name: 'console-made', scopes: ['reports:read'] });
    const endpoints = w!.page.locator('#webhooks table.endpoints tbody tr');
    await expect.poll(() => endpoints.count()).toBe(1);
    expect(await endpoints.first().textContent()).toContain('InvoiceCreated');
    const delivery = w!.page.locator('#webhooks table.deliveries tbody tr');
    await expect.poll(() => delivery.count()).toBe(1);
    expect(await delivery.first().textContent()).toContain(received[0]!);
    expect(await delivery.first().textContent()).toContain('succeeded');

    await w!.page.getByRole('button', { name: 'Revoke console-made' }).click();
    await w!.page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await w!.page.locator('#page-message', { hasText: 'Revoked console-made.' }).waitFor();
    const keys = (await server.call('GET', '/v1/api-keys')).items as { name: string; status: string }[];
    expect(keys.find((k) => k.name === 'console-made')?.status).toBe('revoked');
    await checkPage('console-access');
  });

  it('a read-only token is offered only what it may use: no overview, no archive, no replay button', async () => {
    const key = await server.call('POST', '/v1/api-keys', { name: 'auditor', scopes: ['reports:read', 'invoices:read'] });
    await signedIn(key.token, '/console/revenue');
    const nav = w!.page.getByRole('navigation', { name: 'Console pages' });
    expect(await nav.getByRole('link').allTextContents()).toEqual(['Invoice', 'Revenue']);
    // Revenue without admin: the reports, but no way to close a month.
    await w!.page.locator('table.revenue').waitFor();
    expect(await w!.page.getByRole('button', { name: /Close month/ }).isVisible()).toBe(false);
    await w!.page.goto(`${server.origin}/console/archive`);
    await w!.page.locator('#page-message', { hasText: 'needs a token with' }).waitFor();
    expect(await w!.page.getByRole('button', { name: /Replay/ }).count()).toBe(0);
    expect(await w!.page.locator('table.archive').count()).toBe(0);
    await checkPage('console-read-only');
  });
});
