import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { connect, type Db, type DbHandle } from '../../src/db/connect.ts';

/**
 * `db`/`url`: the runtime role (what api, relay and worker connect as), which may not
 * change the append-only tables. `ownerUrl`: the owner of the tables (a superuser),
 * and `owner` connected as it (no connection until used), for tests that set up what
 * the runtime may not do or that show a trigger holds even for the owner.
 */
export type TestDatabase = DbHandle & { name: string; adminUrl: string; ownerUrl: string; owner: Db; drop(): Promise<void> };

/**
 * A fresh database for one test file (or test), cloned from the migrated template
 * in milliseconds. Call drop() in afterAll; the global teardown sweeps leftovers.
 */
export async function createTestDatabase(options: { poolMax?: number } = {}): Promise<TestDatabase> {
  const adminUrl = inject('adminUrl');
  const templateDb = inject('templateDb');
  const name = `accrue_t_${templateDb.slice(-8)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    // CREATE DATABASE ... TEMPLATE needs the template to have no other sessions;
    // concurrent clones from parallel files can collide, so retry briefly.
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE ${name} TEMPLATE ${templateDb}`);
        break;
      } catch (err) {
        if (attempt > 50 || (err as { code?: string }).code !== '55006') throw err;
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
      }
    }
  } finally {
    await admin.end();
  }
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  const ownerUrl = u.toString();
  const role = inject('runtimeRole');
  u.username = role.user;
  u.password = role.password;
  const handle = connect(u.toString(), { max: options.poolMax ?? 10 });
  const owner = connect(ownerUrl, { max: 2 });
  return {
    ...handle,
    name,
    adminUrl,
    ownerUrl,
    owner: owner.db,
    async drop() {
      await handle.close().catch(() => {});
      await owner.close().catch(() => {});
      const a = new pg.Client({ connectionString: adminUrl });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
      await a.end();
    },
  };
}
