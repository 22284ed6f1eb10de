// The schema as Postgres sees it after every migration, committed as
// migrations/schema.sql so that a schema change is always a visible diff.
//
//   node scripts/schemaDump.ts           write migrations/schema.sql
//   node scripts/schemaDump.ts --check   exit 1 (with a diff) when it differs
//
// pg_dump must match the server's major version, so this runs against a real
// server (ACCRUE_SCHEMA_DUMP_URL, else DATABASE_URL, else the local PostgreSQL at
// 127.0.0.1:5432), never the embedded one (its package ships no pg_dump).
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { migrate } from '../src/db/migrate.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const target = path.join(root, 'migrations', 'schema.sql');
const serverUrl = process.env.ACCRUE_SCHEMA_DUMP_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Drops what changes between runs and machines: comments, SET lines, pg_dump's random \restrict key. */
export function normaliseDump(dump: string): string {
  const kept = dump
    .split('\n')
    .filter((l) => !l.startsWith('--') && !l.startsWith('SET ') && !l.startsWith('SELECT pg_catalog.set_config') && !/^\\(un)?restrict /.test(l));
  return `${kept.join('\n').replace(/\n{3,}/g, '\n\n').trim()}\n`;
}

async function dumpMigratedSchema(): Promise<string> {
  const name = `accrue_schema_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  try {
    const url = withDatabase(serverUrl, name);
    // With a runtime role, so the dump shows what it is granted (a privilege change is a diff too).
    const runtime = new URL(url);
    runtime.username = 'accrue_app';
    runtime.password = 'schema-dump';
    // No partitions made ahead: their names depend on today's date.
    await migrate(url, { runtimeUrl: runtime.toString(), partitions: false });
    const out = execFileSync('pg_dump', ['--schema-only', '--no-owner', '--schema=public', '--dbname', url], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    return normaliseDump(out);
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

let dump: string;
try {
  dump = await dumpMigratedSchema();
} catch (err) {
  // Without a server of pg_dump's major version there is nothing to compare against;
  // CI has one (and must not skip), a laptop on the embedded default may not.
  const why = err instanceof Error ? err.message : String(err);
  if (process.env.CI === 'true') throw err;
  process.stderr.write(`schema dump skipped: ${why}\n`);
  process.exit(0);
}
if (process.argv.includes('--check')) {
  const committed = readFileSync(target, 'utf8');
  if (committed !== dump) {
    const tmp = path.join(mkdtempSync(path.join(os.tmpdir(), 'accrue-schema-')), 'schema.sql');
    writeFileSync(tmp, dump);
    spawnSync('diff', ['-u', target, tmp], { stdio: 'inherit' });
    process.stderr.write('migrations/schema.sql is not what the migrations produce: run `npm run schema:dump` and commit it\n');
    process.exit(1);
  }
  process.stdout.write('migrations/schema.sql matches the migrations\n');
} else {
  writeFileSync(target, dump);
  process.stdout.write(`wrote ${path.relative(root, target)}\n`);
}
