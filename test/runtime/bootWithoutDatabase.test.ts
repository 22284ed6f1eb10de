import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntilDrained } from '../../src/bus/operator/getStatus.ts';
import { spawnAccrue, statusOf, waitFor, type AccrueProcess } from '../helpers/accrueProcess.ts';
import { freePort } from '../helpers/freePort.ts';
import { outageProxy } from '../helpers/outageProxy.ts';
import { BOOTSTRAP_TOKEN, invoiceBody } from '../helpers/testApi.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase.ts';

/**
 * Issue 9, "processes that outlive their database": `accrue api`, `relay` and
 * `worker` and `start` started while their database is away (a TCP proxy with nothing behind
 * it) stay alive, answer /livez 200 and /readyz 503, and carry on by themselves once
 * it is back; one started and stopped during the wait exits 0.
 * Costs: one test database, five child processes, then four side by side (~2 s each to start), ~25 s.
 */
describe('boot while the database is away', () => {
  let t: TestDatabase;
  let dataDir: string;
  const children: AccrueProcess[] = [];
  beforeAll(async () => {
    t = await createTestDatabase();
    dataDir = mkdtempSync(path.join(tmpdir(), 'accrue-boot-'));
  });
  afterAll(async () => {
    await Promise.all(children.map((c) => c.stop()));
    await t.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('api, relay, worker and start wait (alive, not ready), then become ready and process work; SIGTERM during the wait exits 0', { timeout: 150_000 }, async () => {
    const u = new URL(t.url);
    const proxyPort = await freePort();
    const proxy = outageProxy({ host: u.hostname, port: Number(u.port || 5432) }, proxyPort);
    u.port = String(proxyPort);
    const env = {
      DATABASE_URL: u.toString(),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      ACCRUE_DATA_DIR: dataDir,
      ACCRUE_NOTIFY_CHANNEL: 'log',
      ACCRUE_BOOTSTRAP_TOKEN: BOOTSTRAP_TOKEN,
      ACCRUE_WORKER_POLL_SECONDS: '0.5',
    };
    const [apiPort, relayPort, workerPort, quitterPort, startPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
    const api = spawnAccrue(['api'], { ...env, PORT: String(apiPort) });
    const relay = spawnAccrue(['relay'], { ...env, ACCRUE_OPS_PORT: String(relayPort) });
    const worker = spawnAccrue(['worker'], { ...env, ACCRUE_OPS_PORT: String(workerPort) });
    const quitter = spawnAccrue(['worker'], { ...env, ACCRUE_OPS_PORT: String(quitterPort) });
    const start = spawnAccrue(['start'], { ...env, PORT: String(startPort) });
    children.push(api, relay, worker, quitter, start);
    const probes = [apiPort, relayPort, workerPort, quitterPort, startPort].map((p) => `http://127.0.0.1:${p}`);
    try {
      for (const base of probes) await waitFor(`${base}/livez while waiting`, async () => (await statusOf(`${base}/livez`)) === 200);
      for (const base of probes) expect(await statusOf(`${base}/readyz`)).toBe(503);
      expect(await statusOf(`http://127.0.0.1:${apiPort}/v1/customers`)).toBe(503);

      // SIGTERM while waiting: a clean exit, no stack.
      expect(await quitter.stop()).toBe(0);
      expect(quitter.stderr()).toBe('');

      // Still waiting a few retries later, each attempt logged as one line saying what it waits for.
      await new Promise((r) => setTimeout(r, 2000));
      for (const c of [api, relay, worker, start]) {
        expect(c.alive(), c.stderr()).toBe(true);
        expect(c.stderr()).not.toContain('    at ');
        const waits = c.stdout.filter((l) => l.includes('waiting for the database at'));
        expect(waits.length).toBeGreaterThanOrEqual(2);
      }

      await proxy.up();
      for (const base of [probes[0]!, probes[1]!, probes[2]!, probes[4]!]) {
        await waitFor(`${base}/readyz after the database returned`, async () => (await statusOf(`${base}/readyz`)) === 200, 45_000);
      }
      const call = async (method: string, route: string, body: unknown) => {
        const res = await fetch(`http://127.0.0.1:${apiPort}${route}`, {
          method,
          headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        return { status: res.status, body: (await res.json()) as { id: string } };
      };
      const customer = await call('POST', '/v1/customers', { name: 'Boot', email: 'boot@example.com' });
      expect(customer.status).toBe(201);
      const invoice = await call('POST', '/v1/invoices', invoiceBody(customer.body.id));
      expect(invoice.status).toBe(201);
      // Relay and worker, started before their database existed for them, carry the invoice to the ledger.
      await waitUntilDrained(t.db, { timeoutMs: 30_000 });
      const entries = await t.db.selectFrom('ledger_entries').select('entry_id').where('invoice_id', '=', invoice.body.id).execute();
      expect(entries.length).toBeGreaterThan(0);
      for (const c of [api, relay, worker, start]) expect(c.alive(), c.stderr()).toBe(true);
      for (const c of [api, relay, worker, start]) expect(await c.stop()).toBe(0);
    } finally {
      await Promise.all(children.map((c) => c.stop()));
      await proxy.down();
    }
  });

  it('api, relay and two workers run side by side from one environment (no EADDRINUSE)', { timeout: 150_000 }, async () => {
    // One environment file for all four: PORT is the API's; relay and workers take free ops ports and log them.
    const env = {
      DATABASE_URL: t.url,
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
      LOG_LEVEL: 'info',
      ACCRUE_DATA_DIR: dataDir,
      ACCRUE_NOTIFY_CHANNEL: 'log',
      ACCRUE_BOOTSTRAP_TOKEN: BOOTSTRAP_TOKEN,
    };
    const api = spawnAccrue(['api'], env);
    const others = [spawnAccrue(['relay'], env), spawnAccrue(['worker'], env), spawnAccrue(['worker'], env)];
    children.push(api, ...others);
    try {
      await waitFor('the API ready', async () => {
        if (!api.alive()) throw new Error(`api exited: ${api.stderr()}`);
        return (await statusOf(`http://127.0.0.1:${env.PORT}/readyz`)) === 200;
      }, 45_000);
      const opsUrls = new Set<string>();
      for (const c of others) {
        const url = await waitFor('the ops server URL in the log', () => {
          if (!c.alive()) throw new Error(`exited ${c.proc.exitCode}: ${c.stderr()}`);
          const line = c.stdout.find((l) => l.includes('ops server: /livez /readyz /metrics'));
          return line ? (JSON.parse(line) as { url: string }).url : undefined;
        }, 45_000);
        opsUrls.add(url);
        await waitFor(`${url}/readyz`, async () => (await statusOf(`${url}/readyz`)) === 200);
        expect(await statusOf(`${url}/metrics`)).toBe(200);
      }
      expect(opsUrls.size).toBe(3);
      expect([...opsUrls].some((u) => u.endsWith(`:${env.PORT}`))).toBe(false);
      for (const c of [api, ...others]) {
        expect(c.alive(), c.stderr()).toBe(true);
        expect(c.stderr()).not.toContain('EADDRINUSE');
      }
    } finally {
      await Promise.all([api, ...others].map((c) => c.stop()));
    }
  });
});
