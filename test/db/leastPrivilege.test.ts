import { sql } from 'kysely';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayArchive } from '../../src/bus/archive/replayArchive.ts';
import { connect } from '../../src/db/connect.ts';
import { APPEND_ONLY_TABLES } from '../../src/db/grantRuntimeRole.ts';
import { MIGRATIONS_DIR, migrate } from '../../src/db/migrate.ts';
import { loadConfig } from '../../src/config.ts';
import { silentLogger, type Logger } from '../../src/telemetry/logger.ts';
import { getStatus } from '../../src/bus/operator/getStatus.ts';
import { startBoss } from '../../src/bus/queues/startBoss.ts';
import { ensureMigrated, prepareDatabase } from '../../src/runtime/prepareDatabase.ts';
import { appendInvoices, testSettings } from '../helpers/busTestKit.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase.ts';

// Integration, real Postgres: the test database's handle connects as the runtime role
// that `accrue migrate` grants (test/helpers/globalSetup.ts), the owner as a superuser.
describe('least privilege: the runtime role', () => {
  let t: TestDatabase;
  let boss: PgBoss;
  let archiveId: number;

  beforeAll(async () => {
    t = await createTestDatabase();
    boss = await startBoss(t.url, { role: 'client', settings: testSettings(), log: silentLogger });
    // One row in each append-only table, written as the runtime role: INSERT is allowed.
    await appendInvoices(t.db, 1, 1);
    await sql`INSERT INTO ledger_entries (currency, entry_date, origin_date, kind, invoice_id, accounts_receivable, revenue)
      VALUES ('USD', '2020-02-03', '2020-02-03', 'invoice_issued', 'inv_1', 100, -100)`.execute(t.db);
    await sql`INSERT INTO ledger_period_locks (period) VALUES ('2019-12')`.execute(t.db);
    const archived = await sql<{ id: number }>`INSERT INTO failed_job_archive (job_id, queue, subscriber, payload, error_message, attempts)
      VALUES (gen_random_uuid(), 'lp', 'lp', '{"n":1}', 'boom', 3) RETURNING id`.execute(t.db);
    archiveId = Number(archived.rows[0]!.id);
    await boss.createQueue('lp');
  });
  afterAll(async () => {
    await boss?.stop({ graceful: false });
    await t?.drop();
  });

  it('is neither a superuser nor the owner, and /v1/ops/status says so (a superuser gets a warning)', async () => {
    expect((await getStatus(t.db)).database).toEqual({ role: 'accrue_test_app', superuser: false, ownsTables: false });
    const asOwner = (await getStatus(t.owner)).database;
    expect(asOwner).toMatchObject({ superuser: true, ownsTables: true });
    expect(asOwner.warning).toMatch(/superuser/);
  });

  it('treats as append-only exactly the tables whose triggers refuse changes (the grants and these tests follow that list)', async () => {
    const { rows } = await sql<{ table: string }>`
      SELECT DISTINCT tgrelid::regclass::text AS table FROM pg_trigger WHERE tgname LIKE '%\\_append\\_only' AND tgparentid = 0`.execute(t.owner);
    expect(rows.map((r) => r.table).sort()).toEqual([...APPEND_ONLY_TABLES].sort());
    expect([...APPEND_ONLY_TABLES].sort()).toEqual(['event_external_ids', 'event_keys', 'events', 'failed_job_archive', 'failed_job_replays', 'ledger_entries', 'ledger_period_locks']);
  });

  it('reads and appends to every append-only table', async () => {
    for (const table of APPEND_ONLY_TABLES) {
      await expect(sql`SELECT count(*) FROM ${sql.table(table)}`.execute(t.db)).resolves.toBeDefined();
    }
    const counts = await sql<{ n: number }>`SELECT (SELECT count(*) FROM events)::int + (SELECT count(*) FROM ledger_entries)::int
      + (SELECT count(*) FROM ledger_period_locks)::int + (SELECT count(*) FROM failed_job_archive)::int AS n`.execute(t.db);
    expect(counts.rows[0]!.n).toBe(4);
  });

  for (const table of APPEND_ONLY_TABLES) {
    it(`may not UPDATE, DELETE, TRUNCATE or disable the triggers of ${table}`, async () => {
      const tbl = sql.table(table);
      const column = sql.ref(table === 'event_keys' || table === 'event_external_ids' ? 'event_id' : table === 'events' ? 'actor' : table === 'ledger_period_locks' ? 'period' : table === 'ledger_entries' ? 'note' : table === 'failed_job_replays' ? 'actor' : 'error_message');
      await expect(sql`UPDATE ${tbl} SET ${column} = ${column}`.execute(t.db)).rejects.toThrow(/permission denied/);
      await expect(sql`DELETE FROM ${tbl}`.execute(t.db)).rejects.toThrow(/permission denied/);
      await expect(sql`TRUNCATE ${tbl}`.execute(t.db)).rejects.toThrow(/permission denied/);
      await expect(sql`ALTER TABLE ${tbl} DISABLE TRIGGER ALL`.execute(t.db)).rejects.toThrow(/must be owner/);
      await expect(sql`ALTER TABLE ${tbl} DISABLE TRIGGER USER`.execute(t.db)).rejects.toThrow(/must be owner/);
    });
  }

  it('may not switch triggers off for its session nor drop them', async () => {
    await expect(sql`SET session_replication_role = replica`.execute(t.db)).rejects.toThrow(/permission denied/);
    await expect(sql`DROP TRIGGER events_append_only ON events`.execute(t.db)).rejects.toThrow(/must be owner/);
    await expect(sql`DROP TRIGGER failed_job_archive_append_only ON failed_job_archive`.execute(t.db)).rejects.toThrow(/must be owner/);
  });

  it('may not create tables in schema public nor grant itself more', async () => {
    await expect(sql`CREATE TABLE sneaky (a int)`.execute(t.db)).rejects.toThrow(/permission denied/);
    await sql`GRANT UPDATE ON events TO CURRENT_USER`.execute(t.db).catch(() => {}); // a warning, nothing granted
    const r = await sql<{ ok: boolean }>`SELECT has_table_privilege('events', 'UPDATE') AS ok`.execute(t.db);
    expect(r.rows[0]!.ok).toBe(false);
  });

  it('even the owner cannot TRUNCATE ledger_period_locks (closing a month is irreversible)', async () => {
    await expect(sql`TRUNCATE ledger_period_locks`.execute(t.owner)).rejects.toThrow(/append-only/);
    const locks = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ledger_period_locks`.execute(t.db);
    expect(locks.rows[0]!.n).toBe(1);
  });

  it('the archive changes only its replay counters, and only its owner deletes rows', async () => {
    await expect(sql`UPDATE failed_job_archive SET error_message = 'rewritten' WHERE id = ${archiveId}`.execute(t.owner)).rejects.toThrow(/append-only/);
    await expect(sql`UPDATE failed_job_archive SET replay_count = replay_count - 1 WHERE id = ${archiveId}`.execute(t.owner)).rejects.toThrow(/append-only/);
    const spare = await sql<{ id: number }>`INSERT INTO failed_job_archive (job_id, queue, subscriber, payload, error_message, attempts)
      VALUES (gen_random_uuid(), 'lp-spare', 'lp-spare', '{}', 'x', 1) RETURNING id`.execute(t.db);
    await expect(sql`DELETE FROM failed_job_archive WHERE id = ${spare.rows[0]!.id}`.execute(t.owner)).resolves.toBeDefined();
  });

  it('replay still works: it appends failed_job_replays and the archive row counts it', async () => {
    const result = await replayArchive(t.db, boss, { subscriber: 'lp' }, { now: new Date(), audit: { actor: 'operator:lp', correlationId: 'c-lp' } });
    expect(result).toMatchObject({ matched: 1, replayed: 1 });
    const row = await t.db.selectFrom('failed_job_archive').select(['replay_count', 'last_replayed_at']).where('id', '=', archiveId).executeTakeFirstOrThrow();
    expect(row.replay_count).toBe(1);
    expect(row.last_replayed_at).not.toBeNull();
    const replays = await t.db.selectFrom('failed_job_replays').selectAll().where('archive_id', '=', archiveId).execute();
    expect(replays).toHaveLength(1);
    expect(replays[0]!.actor).toBe('operator:lp');
    const job = await boss.getJobById('lp', replays[0]!.job_id);
    expect(job?.data).toEqual({ n: 1 });
    // A second replay of never-replayed rows finds none.
    expect((await replayArchive(t.db, boss, { subscriber: 'lp' }, { now: new Date() })).replayed).toBe(0);
  });

  it('a replay of an archive row that does not exist is refused', async () => {
    await expect(
      sql`INSERT INTO failed_job_replays (archive_id, job_id, actor) VALUES (999999, gen_random_uuid(), 'x')`.execute(t.db),
    ).rejects.toThrow(/does not exist/);
  });
});

/** An empty database beside `t`'s, with the owner's and the runtime role's URLs to it. */
async function freshDatabase(t: TestDatabase, suffix: string) {
  const name = `${t.name}_${suffix}`;
  const admin = new pg.Client({ connectionString: t.adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const ownerUrl = new URL(t.ownerUrl);
  ownerUrl.pathname = `/${name}`;
  const runtimeUrl = new URL(t.url);
  runtimeUrl.pathname = `/${name}`;
  return {
    ownerUrl: ownerUrl.toString(),
    runtimeUrl: runtimeUrl.toString(),
    async drop() {
      const a = new pg.Client({ connectionString: t.adminUrl });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

function capturingLogger(lines: string[]) {
  const capture = (...args: unknown[]) => lines.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
  return { ...silentLogger, warn: capture, info: () => {}, debug: () => {}, child: () => capturingLogger(lines) } as unknown as Logger;
}

describe('least privilege: migrate and boot', () => {
  it('a process whose DATABASE_URL is a superuser still starts, and warns once', async () => {
    const t = await createTestDatabase();
    const lines: string[] = [];
    try {
      const config = loadConfig({ DATABASE_URL: t.ownerUrl });
      const prepared = await prepareDatabase(config, capturingLogger(lines));
      expect(prepared.url).toBe(t.ownerUrl);
      expect(lines.filter((l) => /a superuser/.test(l))).toHaveLength(1);
      lines.length = 0;
      await prepareDatabase(loadConfig({ DATABASE_URL: t.url }), capturingLogger(lines));
      expect(lines).toEqual([]);
    } finally {
      await t.drop();
    }
  });

  it('an install from before issue 9 (pg-boss installed by the owner) hands schema pgboss to the runtime role', async () => {
    const t = await createTestDatabase();
    const fresh = await freshDatabase(t, 'old');
    try {
      // One role for everything, as before: migrate and pg-boss's install both as the owner.
      await migrate(fresh.ownerUrl);
      const old = await startBoss(fresh.ownerUrl, { role: 'client', settings: testSettings(), log: silentLogger });
      await old.createQueue('before');
      await old.stop({ graceful: false });
      await migrate(fresh.ownerUrl, { runtimeUrl: fresh.runtimeUrl });
      const boss = await startBoss(fresh.runtimeUrl, { role: 'client', settings: testSettings(), log: silentLogger });
      try {
        await boss.createQueue('after'); // a new partition: needs to own pgboss.job
        const id = await boss.send('before', { n: 1 });
        expect(id).toBeTruthy();
      } finally {
        await boss.stop({ graceful: false });
      }
      const owner = connect(fresh.ownerUrl, { max: 1 });
      try {
        const owners = await sql<{ owner: string }>`
          SELECT DISTINCT relowner::regrole::text AS owner FROM pg_class WHERE relnamespace = 'pgboss'::regnamespace`.execute(owner.db);
        expect(owners.rows).toEqual([{ owner: 'accrue_test_app' }]);
      } finally {
        await owner.close();
      }
    } finally {
      await fresh.drop();
      await t.drop();
    }
  }, 30_000);

  it('a process with only the runtime URL waits for `accrue migrate` and starts once the owner has migrated', async () => {
    const t = await createTestDatabase();
    const fresh = await freshDatabase(t, 'fresh');
    const ownerUrl = new URL(fresh.ownerUrl);
    const runtimeUrl = new URL(fresh.runtimeUrl);
    const lines: string[] = [];
    const log = capturingLogger(lines);
    try {
      const waiting = ensureMigrated({ url: runtimeUrl.toString(), embedded: false, stop: async () => {} }, log);
      // Until it says it waits (a fixed 500 ms was too short at load 12).
      for (let waited = 0; !/waiting for migrations/.test(lines.join('\n')) && waited < 20_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
      expect(lines.join('\n')).toMatch(/waiting for migrations/);
      // The owner migrates (granting the runtime role); the waiting process carries on.
      await migrate(ownerUrl.toString(), { runtimeUrl: runtimeUrl.toString() });
      const result = await waiting;
      expect(result.current).toBeGreaterThanOrEqual(50);
      // A table that a later migration adds is granted too (grants run after every migrate).
      const dir = await mkdtemp(path.join(os.tmpdir(), 'accrue-migrations-'));
      await cp(MIGRATIONS_DIR, dir, { recursive: true });
      await writeFile(path.join(dir, '999_later.sql'), 'CREATE TABLE later_table (a int);');
      await migrate(ownerUrl.toString(), { dir, runtimeUrl: runtimeUrl.toString() });
      await rm(dir, { recursive: true, force: true });
      const runtime = connect(runtimeUrl.toString(), { max: 1 });
      try {
        await expect(sql`INSERT INTO later_table VALUES (1)`.execute(runtime.db)).resolves.toBeDefined();
        await expect(sql`UPDATE later_table SET a = 2`.execute(runtime.db)).resolves.toBeDefined();
        await expect(sql`TRUNCATE later_table`.execute(runtime.db)).rejects.toThrow(/permission denied/);
        await expect(sql`INSERT INTO schema_migrations (version, name, checksum) VALUES (1000, 'x', 'x')`.execute(runtime.db)).rejects.toThrow(/permission denied/);
      } finally {
        await runtime.close();
      }
    } finally {
      await fresh.drop();
      await t.drop();
    }
  }, 30_000);
});
