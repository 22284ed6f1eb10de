import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { connect, type DbHandle } from '../../db/connect.ts';
import { migrate } from '../../db/migrate.ts';

/**
 * A fresh, migrated database on the server of `serverUrl` for one scenario run;
 * dropped by `drop()`. Each scenario starts from empty books.
 */
export async function createScratchDatabase(serverUrl: string): Promise<DbHandle & { drop(): Promise<void> }> {
  const name = `accrue_scenario_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  await migrate(u.toString());
  const handle = connect(u.toString(), { max: 4, applicationName: 'accrue-scenarios' });
  return {
    ...handle,
    async drop() {
      await handle.close();
      const a = new pg.Client({ connectionString: serverUrl });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
      await a.end();
    },
  };
}
