import pg from 'pg';
import { InvariantError } from '../errors.ts';

/** `serverUrl` with its database changed to `database`. */
function databaseUrl(serverUrl: string, database: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * Creates the empty database `name` on the server of `adminUrl` (a role that may
 * CREATE DATABASE) and returns its URL; drop() removes it, ending its sessions. For
 * the throwaway databases of scenario runs, bench figures and migration tests; the
 * caller migrates it if it needs the schema. `name` must be a plain identifier.
 */
export async function createDatabase(adminUrl: string, name: string): Promise<{ url: string; drop(): Promise<void> }> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new InvariantError(`createDatabase: not a plain database name: ${name}`);
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return {
    url: databaseUrl(adminUrl, name),
    async drop() {
      const a = new pg.Client({ connectionString: adminUrl });
      await a.connect();
      try {
        await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
      } finally {
        await a.end();
      }
    },
  };
}
