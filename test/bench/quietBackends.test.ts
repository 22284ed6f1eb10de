import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quietBackends } from '../../bench/lib/quietBackends.ts';
import { connect, type DbHandle } from '../../src/db/connect.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase.ts';

// The drains read pg_stat_database / pg_stat_wal once their relay and worker are stopped;
// a backend reports its last second of counters only when it exits.
describe('quietBackends', () => {
  let t: TestDatabase;
  let handle: DbHandle;
  beforeAll(async () => {
    t = await createTestDatabase();
    handle = connect(t.url, { max: 2, applicationName: 'accrue-bench' });
  });
  afterAll(async () => {
    await handle.close();
    await t.drop();
  });

  const inserted = async () => {
    await sql`SELECT pg_stat_clear_snapshot()`.execute(handle.db);
    const { rows } = await sql<{ n: number }>`SELECT n_tup_ins::int AS n FROM pg_stat_user_tables WHERE relname = 'inbox'`.execute(handle.db);
    return rows[0]?.n ?? 0;
  };

  it('returns once the other backends have exited, with every row they inserted counted', async () => {
    const before = await inserted();
    const other = new pg.Client({ connectionString: t.url, application_name: 'accrue-worker' });
    await other.connect();
    // Transactions within a second of each other: the later ones' counters wait for the next report.
    for (let i = 0; i < 5; i++) await other.query("INSERT INTO inbox (subscriber, event_id) SELECT 'quiet-backends', gen_random_uuid() FROM generate_series(1, 10)");
    const closing = new Promise<void>((resolve) => setTimeout(() => void other.end().then(resolve), 300));
    expect(await quietBackends(handle.db, 'accrue-bench')).toBe(0);
    expect((await inserted()) - before).toBe(50);
    await closing;
  });

  it('gives up after the timeout and says how many are left', async () => {
    const other = new pg.Client({ connectionString: t.url, application_name: 'accrue-relay' });
    await other.connect();
    try {
      expect(await quietBackends(handle.db, 'accrue-bench', 100)).toBe(1);
    } finally {
      await other.end();
    }
  });
});
