import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type DbHandle } from '../../src/db/connect.ts';
import { createOpsServer } from '../../src/http/health/opsServer.ts';
import { createApp } from '../../src/http/app.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { freePort } from '../helpers/freePort.ts';
import { outageProxy } from '../helpers/outageProxy.ts';
import { BOOTSTRAP_TOKEN } from '../helpers/testApi.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase.ts';

/** Costs: one test database, a TCP proxy cut and restored, one ops server on a free port. */
type Report = { status: string; reason?: string; checks: Record<string, { status: string; detail?: string }> };
const appOn = (db: DbHandle['db']) => createApp({ db, log: silentLogger, bootstrapToken: BOOTSTRAP_TOKEN });

describe('API health endpoints', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.drop();
  });

  it('/livez and /readyz answer without a token; ready on a migrated database', async () => {
    const app = appOn(t.db);
    expect((await app.request('/livez')).status).toBe(200);
    const res = await app.request('/readyz');
    expect(res.status).toBe(200);
    expect(((await res.json()) as Report).checks).toMatchObject({ database: { status: 'ok' }, migrations: { status: 'ok' } });
  });

  it('/readyz is 503 with the reason when the database is on a closed port', async () => {
    const u = new URL(t.url);
    u.port = String(await freePort());
    const down = connect(u.toString(), { max: 1 });
    try {
      const app = appOn(down.db);
      const res = await app.request('/readyz');
      expect(res.status).toBe(503);
      expect(((await res.json()) as Report).reason).toMatch(/database unreachable/);
      expect((await app.request('/livez')).status).toBe(200);
    } finally {
      await down.close();
    }
  });

  it('/readyz goes 503 while the database is down and 200 once it is back', async () => {
    const u = new URL(t.url);
    const port = await freePort();
    const proxy = outageProxy({ host: u.hostname, port: Number(u.port || 5432) }, port);
    u.port = String(port);
    let handle: DbHandle | undefined;
    try {
      await proxy.up();
      handle = connect(u.toString(), { max: 2 });
      const app = appOn(handle.db);
      expect((await app.request('/readyz')).status).toBe(200);
      await proxy.down();
      const during = await app.request('/readyz');
      expect(during.status).toBe(503);
      expect(((await during.json()) as Report).checks.database!.status).toBe('fail');
      // A write during the outage fails as a problem, not a hang or a crash.
      expect((await app.request('/v1/customers', {
        method: 'POST',
        headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Down', email: 'down@example.com' }),
      })).status).toBeGreaterThanOrEqual(500);
      await proxy.up();
      expect((await app.request('/readyz')).status).toBe(200);
    } finally {
      await handle?.close();
      await proxy.down();
    }
  });

  it('/readyz is 503 when the newest migration is not applied', async () => {
    const newest = await sql<{ version: number; name: string; checksum: string }>`
      DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations) RETURNING version::int, name, checksum`.execute(t.owner);
    const { version, name, checksum } = newest.rows[0]!;
    try {
      const res = await appOn(t.db).request('/readyz');
      expect(res.status).toBe(503);
      expect(((await res.json()) as Report).reason).toContain(`expected ${version}`);
    } finally {
      await sql`INSERT INTO schema_migrations (version, name, checksum) VALUES (${version}, ${name}, ${checksum})`.execute(t.owner);
    }
  });

  it('createOpsServer serves /livez, /readyz (with the pg-boss check) and /metrics for relay and worker processes', async () => {
    const handle = connect(t.url, { max: 1 });
    let started = false;
    const ops = await createOpsServer({ db: handle.db, url: t.url, bossStarted: () => started, port: 0, host: '127.0.0.1' });
    try {
      expect((await fetch(`${ops.url}/livez`)).status).toBe(200);
      const notYet = await fetch(`${ops.url}/readyz`);
      expect(notYet.status).toBe(503);
      expect(((await notYet.json()) as Report).reason).toContain('pg-boss not started');
      const metrics = await fetch(`${ops.url}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain('process_resident_memory_bytes');
      expect((await fetch(`${ops.url}/v1/invoices`)).status).toBe(404);
      started = true;
      expect((await fetch(`${ops.url}/readyz`)).status).toBe(200);
    } finally {
      await ops.close();
      await handle.close();
    }
  });
});
