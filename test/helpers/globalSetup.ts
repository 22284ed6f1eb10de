import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PgBoss } from 'pg-boss';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type RunningPostgres } from '../../src/db/embeddedPostgres.ts';
import { migrate } from '../../src/db/migrate.ts';
import { freePort } from './freePort.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    adminUrl: string;
    templateDb: string;
  }
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * One Postgres for the whole run: the server at DATABASE_URL when given, else an
 * embedded one in a temp dir (fsync off: it is thrown away). A template database
 * is migrated once (accrue + pg-boss schemas); each test file clones it.
 */
export default async function setup(project: TestProject) {
  let embedded: RunningPostgres | undefined;
  let tmp: string | undefined;
  let adminUrl: string;
  if (process.env.DATABASE_URL) {
    adminUrl = process.env.DATABASE_URL;
  } else {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'accrue-test-pg-'));
    embedded = await startEmbeddedPostgres({
      dataDir: path.join(tmp, 'data'),
      port: await freePort(),
      persistent: false,
      flags: ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
    });
    adminUrl = embedded.adminUrl;
  }
  const templateDb = `accrue_tpl_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${templateDb}`);
  const templateUrl = withDatabase(adminUrl, templateDb);
  await migrate(templateUrl);
  const boss = new PgBoss({ connectionString: templateUrl, supervise: false, schedule: false, registerInstance: false });
  boss.on('error', () => {});
  await boss.start();
  await boss.stop({ graceful: false });

  project.provide('adminUrl', adminUrl);
  project.provide('templateDb', templateDb);

  return async () => {
    const dbs = await admin.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE $1 OR datname = $2`,
      [`accrue_t_${templateDb.slice(-8)}_%`, templateDb],
    );
    for (const { datname } of dbs.rows) {
      await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(datname)} WITH (FORCE)`).catch(() => {});
    }
    await admin.end();
    if (embedded) await embedded.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  };
}
