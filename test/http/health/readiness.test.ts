import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type DbHandle } from '../../../src/db/connect.ts';
import { livez, migrationsCheck, readyz } from '../../../src/http/health/checks.ts';
import { healthRoutes } from '../../../src/http/health/healthRoutes.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';
import { freePort } from '../../helpers/freePort.ts';
import { outageProxy } from '../../helpers/outageProxy.ts';
import { Writable } from 'node:stream';
import { createLogger } from '../../../src/telemetry/logger.ts';

describe('health', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.drop();
  });

  it('livez answers without a database', () => {
    expect(livez().status).toBe('ok');
  });

  it('is ready on the migrated test database with pg-boss started', async () => {
    const report = await readyz({ db: t.db, migrationsCurrent: migrationsCheck(t.url), bossStarted: () => true });
    expect(report).toMatchObject({ status: 'ok', checks: { database: { status: 'ok' }, migrations: { status: 'ok' }, pgBoss: { status: 'ok' } } });
    expect(report.reason).toBeUndefined();
  });

  it('is not ready when the database is unreachable (closed port), answering 503 with the reason', async () => {
    const u = new URL(t.url);
    u.port = String(await freePort()); // nothing listens there
    const down = connect(u.toString());
    try {
      const app = healthRoutes({ db: down.db, migrationsCurrent: migrationsCheck(u.toString()), bossStarted: () => true });
      const res = await app.request('/readyz');
      expect(res.status).toBe(503);
      const body = (await res.json()) as { status: string; reason: string; checks: Record<string, { status: string }> };
      expect(body.status).toBe('fail');
      expect(body.checks.database!.status).toBe('fail');
      expect(body.reason).toMatch(/database unreachable/);
      expect((await app.request('/livez')).status).toBe(200);
    } finally {
      await down.close();
    }
  });

  it('reports pg-boss not started and migrations behind', async () => {
    const report = await readyz({ db: t.db, migrationsCurrent: async () => ({ expected: 31, applied: 2 }), bossStarted: () => false });
    expect(report.status).toBe('fail');
    expect(report.reason).toContain('pg-boss not started');
    expect(report.reason).toContain('applied 2, expected 31');
  });

  it('fails while the database is down and recovers when it is back', async () => {
    const u = new URL(t.url);
    const port = await freePort();
    const proxy = outageProxy({ host: u.hostname, port: Number(u.port || 5432) }, port);
    u.port = String(port);
    const url = u.toString();
    let handle: DbHandle | undefined;
    try {
      await proxy.up();
      handle = connect(url, { max: 2 });
      const deps = { db: handle.db, migrationsCurrent: migrationsCheck(url), timeoutMs: 2000 };
      expect((await readyz(deps)).status).toBe('ok');
      await proxy.down();
      const during = await readyz(deps);
      expect(during.status).toBe('fail');
      expect(during.checks.database!.status).toBe('fail');
      await proxy.up();
      expect((await readyz(deps)).status).toBe('ok');
    } finally {
      await handle?.close();
      await proxy.down();
    }
  });

  it("keeps the driver's error text out of the public answer and logs it instead", async () => {
    const u = new URL(t.url);
    const closed = await freePort();
    u.port = String(closed);
    const down = connect(u.toString(), { max: 1 });
    const lines: string[] = [];
    const destination = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
    try {
      const app = healthRoutes({ db: down.db, migrationsCurrent: migrationsCheck(u.toString()), log: createLogger({ destination }) });
      const res = await app.request('/readyz');
      expect(res.status).toBe(503);
      const text = await res.text();
      expect(JSON.parse(text)).toMatchObject({
        status: 'fail',
        reason: 'database unreachable; migration status unknown',
        checks: { database: { status: 'fail', detail: 'database unreachable' }, migrations: { status: 'fail', detail: 'migration status unknown' } },
      });
      // No host, port or driver message (ECONNREFUSED 127.0.0.1:<port>) for the public.
      expect(text).not.toMatch(new RegExp(`ECONNREFUSED|${closed}|connect`));
      // The operator still finds it in the log.
      expect(lines.join('')).toMatch(new RegExp(`readiness: database unreachable.*ECONNREFUSED|ECONNREFUSED.*readiness: database unreachable`));
    } finally {
      await down.close();
    }
  });
});
