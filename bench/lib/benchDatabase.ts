import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PgBoss } from 'pg-boss';
import { startEmbeddedPostgres } from '../../src/db/embeddedPostgres.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createDatabase } from '../../src/db/createDatabase.ts';

export type BenchDatabase = { url: string; adminUrl: string; embedded: boolean; close(): Promise<void> };

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      server.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}


/**
 * A database for one bench run. With DATABASE_URL: a scratch database on that server
 * (dropped afterwards, so the bench never touches real data). Without: an embedded
 * Postgres in a temp dir with its DURABLE defaults (fsync on, synchronous_commit on):
 * the numbers must describe what production would do, not a throwaway test cluster.
 */
export async function openBenchDatabase(databaseUrl: string | undefined, log: (m: string) => void): Promise<BenchDatabase> {
  let adminUrl: string;
  let stopServer = async () => {};
  if (databaseUrl) {
    adminUrl = databaseUrl;
  } else {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'accrue-bench-pg-'));
    const port = await freePort();
    log(`starting embedded Postgres on port ${port} (durable settings) in ${dir}`);
    // Commit timestamps let the latency figures read when each transaction committed
    // afterwards, instead of adding a NOTIFY to the transactions they measure.
    const server = await startEmbeddedPostgres({ dataDir: path.join(dir, 'data'), port, persistent: false, flags: ['-c', 'track_commit_timestamp=on'] });
    adminUrl = server.adminUrl;
    stopServer = async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    };
  }
  const { url, drop } = await scratchDatabase(adminUrl, 'accrue_bench', { pgBoss: true });
  return {
    url,
    adminUrl,
    embedded: !databaseUrl,
    async close() {
      await drop();
      await stopServer();
    },
  };
}

/** The accrue pg-boss schema, as the service installs it on start. */
async function installBoss(url: string): Promise<void> {
  const boss = new PgBoss({ connectionString: url, supervise: false, schedule: false, registerInstance: false });
  boss.on('error', () => {});
  await boss.start();
  await boss.stop({ graceful: false });
}

/** What the numbers ran on: written next to them in the JSON and docs/performance.md. */
export async function describeServer(url: string): Promise<Record<string, string>> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const v = await c.query<{ version: string }>('SELECT version()');
    const s = await c.query<{ name: string; setting: string; unit: string | null }>(
      `SELECT name, setting, unit FROM pg_settings
       WHERE name IN ('fsync','synchronous_commit','shared_buffers','max_connections','wal_level','full_page_writes','track_commit_timestamp')`,
    );
    return {
      version: v.rows[0]!.version,
      ...Object.fromEntries(s.rows.map((r) => [r.name, r.unit ? `${r.setting} (${r.unit})` : r.setting])),
    };
  } finally {
    await c.end();
  }
}

/**
 * A migrated database of its own on the bench server, for a figure whose writes
 * must not reach the others (the HTTP figure leaves tens of thousands of events in
 * the outbox, which the pipeline figure would otherwise drain as its own; the
 * all-subscribers drain registers routes to queues that later revenue-only drains
 * would fill with no worker to empty them). `pgBoss`: with the pg-boss schema too.
 */
export async function scratchDatabase(adminUrl: string, prefix: string, options: { pgBoss?: boolean } = {}): Promise<{ url: string; drop(): Promise<void> }> {
  const database = await createDatabase(adminUrl, `${prefix}_${randomBytes(4).toString('hex')}`);
  await migrate(database.url);
  if (options.pgBoss) await installBoss(database.url);
  return database;
}
