import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type DbHandle } from '../../../src/db/connect.ts';
import { migrate } from '../../../src/db/migrate.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';
import { createEmptyDatabase, migrateBefore } from '../../helpers/olderSchema.ts';

/**
 * Migration 140 on a database that holds jsonb projection snapshots (migration 121):
 * the latest snapshot's rows move into the typed copies unchanged, older snapshots go,
 * and the jsonb table is dropped. Costs: one empty database migrated twice.
 */
describe('migration 140: jsonb snapshots become typed copies', () => {
  let t: TestDatabase;
  let empty: Awaited<ReturnType<typeof createEmptyDatabase>>;
  let owner: DbHandle;

  beforeAll(async () => {
    t = await createTestDatabase();
    empty = await createEmptyDatabase(`${t.name}_snap`);
    owner = connect(empty.ownerUrl, { max: 1 });
  });
  afterAll(async () => {
    await owner?.close();
    await empty?.drop();
    await t?.drop();
  });

  it('keeps the latest snapshot row for row', async () => {
    await migrateBefore(owner.url, 140);
    const db = owner.db;
    await sql`INSERT INTO analytics_invoices (invoice_id, customer_id, currency, issued_on, total, tax, version, position, voided_on)
              VALUES ('inv_1', 'cus_1', 'EUR', '2026-01-02', 1200, 200, 2, 17, NULL), ('inv_2', NULL, NULL, NULL, NULL, NULL, 0, 0, '2026-02-01')`.execute(db);
    await sql`INSERT INTO analytics_payments VALUES ('inv_1', 'p_1', 700, '2026-01-10'), ('inv_1', 'p_2', 500, '2026-01-11')`.execute(db);
    await sql`INSERT INTO projection_snapshots (subscriber, schema_version, through_tx, head_position, row_count) VALUES ('analytics', 1, '5', 3, 1), ('analytics', 1, '9', 20, 4)`.execute(db);
    await sql`INSERT INTO projection_snapshot_rows SELECT 1, 'analytics_invoices', jsonb_build_object('invoice_id', 'inv_old')`.execute(db);
    await sql`INSERT INTO projection_snapshot_rows SELECT 2, 'analytics_invoices', to_jsonb(a) FROM analytics_invoices a`.execute(db);
    await sql`INSERT INTO projection_snapshot_rows SELECT 2, 'analytics_payments', to_jsonb(p) FROM analytics_payments p`.execute(db);

    await migrate(owner.url);
    const differing = async (a: string, b: string) =>
      (await sql<{ n: number }>`SELECT count(*)::int AS n FROM (SELECT * FROM ${sql.table(a)} EXCEPT SELECT * FROM ${sql.table(b)}) d`.execute(db)).rows[0]!.n;
    expect(await differing('analytics_invoices', 'analytics_invoices_snapshot')).toBe(0);
    expect(await differing('analytics_invoices_snapshot', 'analytics_invoices')).toBe(0);
    expect(await differing('analytics_payments', 'analytics_payments_snapshot')).toBe(0);
    expect(await differing('analytics_payments_snapshot', 'analytics_payments')).toBe(0);
    expect((await sql`SELECT count(*)::int AS n FROM analytics_invoices_snapshot`.execute(db)).rows).toEqual([{ n: 2 }]);
    expect((await sql`SELECT snapshot_id, through_tx::text AS through FROM projection_snapshots`.execute(db)).rows).toEqual([{ snapshot_id: 2, through: '9' }]);
    expect((await sql`SELECT to_regclass('projection_snapshot_rows') AS t`.execute(db)).rows).toEqual([{ t: null }]);
  });
});
