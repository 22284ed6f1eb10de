import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type DbHandle } from '../../src/db/connect.ts';
import { executeNamed, preparedStatement } from '../../src/db/preparedStatements.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase.ts';

/** Runs fn on one pooled session of `h` and returns what that session has prepared and its plan cache mode. */
async function onOneSession(h: DbHandle, fn: (db: DbHandle['db']) => Promise<unknown>) {
  await fn(h.db);
  const { rows } = await sql<{ name: string }>`SELECT name FROM pg_prepared_statements ORDER BY name`.execute(h.db);
  const mode = await sql<{ plan_cache_mode: string }>`SHOW plan_cache_mode`.execute(h.db);
  return { prepared: rows.map((r) => r.name), mode: mode.rows[0]!.plan_cache_mode };
}

describe('executeNamed (the bus processes batch statements)', () => {
  let t: TestDatabase;
  let bus: DbHandle;
  let plain: DbHandle;
  beforeAll(async () => {
    t = await createTestDatabase();
    // One session each, so the statement and the checks run on the same one.
    bus = connect(t.url, { max: 1, customPlans: true });
    plain = connect(t.url, { max: 1 });
  });
  afterAll(async () => {
    await bus.close();
    await plain.close();
    await t.drop();
  });

  const positions = (db: DbHandle['db'], from: number) =>
    executeNamed(db, 'test_keys', sql<{ n: number }>`SELECT count(*)::int AS n FROM event_keys WHERE position = ANY(${[from, from + 1]}::bigint[])`);

  it('is prepared once per session on a customPlans pool, whose session plans each call for its values', async () => {
    const first = await onOneSession(bus, (db) => positions(db, 1));
    expect(first.prepared).toContain('accrue_test_keys_v1');
    expect(first.mode).toBe('force_custom_plan');
    // Other values, same text: the same statement, nothing new prepared.
    const again = await onOneSession(bus, async (db) => expect(await positions(db, 7)).toEqual([{ n: 0 }]));
    expect(again.prepared.filter((n) => n.startsWith('accrue_test_keys'))).toEqual(['accrue_test_keys_v1']);
  });

  it('goes unnamed on other pools (their sessions keep the generic plans of the fixed single-row statements)', async () => {
    const seen = await onOneSession(plain, (db) => positions(db, 1));
    expect(seen.prepared.filter((n) => n.startsWith('accrue_test_keys'))).toEqual([]);
    expect(seen.mode).toBe('auto');
  });

  it("preparedStatement's batch statements follow the same rule: named on a customPlans pool only", async () => {
    const keys = preparedStatement('test_batch_keys', (db, a: { positions: string }) =>
      db.selectFrom('event_keys').select((eb) => eb.fn.countAll<number>().as('n')).where(sql<boolean>`position = ANY(${a.positions}::bigint[])`),
    { batch: true });
    const onBus = await onOneSession(bus, (db) => keys(db, { positions: '{1,2}' }));
    expect(onBus.prepared).toContain('accrue_test_batch_keys_1');
    const onPlain = await onOneSession(plain, (db) => keys(db, { positions: '{3}' }));
    expect(onPlain.prepared.filter((n) => n.startsWith('accrue_test_batch_keys'))).toEqual([]);
  });

  it('names at most 16 texts per name; a text that embeds values goes unnamed after that', async () => {
    const literal = (i: number) => executeNamed(bus.db, 'test_literals', sql<{ n: number }>`SELECT ${sql.lit(i)}::int AS n`);
    const seen = await onOneSession(bus, async () => {
      for (let i = 0; i < 20; i++) expect(await literal(i)).toEqual([{ n: i }]);
    });
    expect(seen.prepared.filter((n) => n.startsWith('accrue_test_literals'))).toHaveLength(16);
  });
});
