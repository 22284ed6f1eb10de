import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase.ts';

// Review of migration 130's create_history_partitions (SECURITY DEFINER, runs as the
// tables' owner): what a caller can make it do. Integration, real Postgres.
describe('create_history_partitions as a SECURITY DEFINER function', () => {
  let t: TestDatabase;

  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.drop();
  });

  it("a caller's temporary table named like a missing month does not stop the partition from being made", async () => {
    // A month far past the ones made ahead (the template makes this month and 3 more).
    const month = '2040-03';
    const name = `ledger_entries_${month.replace('-', '_')}`;
    const statuses = await t.db.transaction().execute(async (tx) => {
      // search_path = public, pg_temp: an unqualified to_regclass(name) finds the caller's
      // temporary table when public has none, and the month is reported as 'exists'.
      await sql`CREATE TEMP TABLE ${sql.table(name)} (x int) ON COMMIT DROP`.execute(tx);
      const r = await sql<{ partition: string; status: string }>`
        SELECT partition, status FROM create_history_partitions(${`${month}-01`}::date, 1)`.execute(tx);
      return r.rows.filter((row) => row.partition === name).map((row) => row.status);
    });
    const made = await sql<{ ok: boolean }>`SELECT to_regclass(${`public.${name}`}) IS NOT NULL AS ok`.execute(t.owner);
    // Without the partition that month's entries land in DEFAULT, and the schedule then
    // reports the month 'blocked' for good.
    expect({ statuses, made: made.rows[0]!.ok }).toEqual({ statuses: ['created'], made: true });
  });

  it('is not executable by every role of the cluster (PUBLIC), only by the runtime role', async () => {
    // Functions get EXECUTE for PUBLIC by default: any role that may connect to the
    // database can make the owner create tables and take the parents' locks.
    const r = await sql<{ ok: boolean }>`
      SELECT has_function_privilege('public', 'create_history_partitions(date, integer)', 'EXECUTE') AS ok`.execute(t.owner);
    expect(r.rows[0]!.ok).toBe(false);
  });
});
