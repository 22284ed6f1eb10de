import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preparedStatement } from '../../src/db/preparedStatements.ts';
import { InvariantError } from '../../src/errors.ts';
import { countRows, createCustomer, createTestApi, invoiceBody, type TestApi } from '../helpers/testApi.ts';

const STATEMENT = 'accrue_insert_invoice_with_event_1';

// One pooled connection: what the test does to "the API's connection" (DDL, DEALLOCATE,
// termination) hits the one the next POST uses.
let api: TestApi;
let customerId: string;
beforeAll(async () => {
  api = await createTestApi({}, { poolMax: 1 });
  customerId = await createCustomer(api);
});
afterAll(async () => {
  await api.drop();
});

async function create(headers: Record<string, string> = {}) {
  const res = await api.call('POST', '/v1/invoices', { body: invoiceBody(customerId), headers });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const stored = await api.t.db.selectFrom('invoices').select('id').where('id', '=', res.body.id).executeTakeFirst();
  expect(stored?.id).toBe(res.body.id);
  return res.body as { id: string };
}

async function preparedOnConnection(): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`SELECT name FROM pg_prepared_statements ORDER BY name`.execute(api.t.db);
  return rows.map((r) => r.name);
}

describe('preparedStatement', () => {
  it('refuses a builder with a literal value (it would be sent for ever)', async () => {
    const find = preparedStatement('test_literal', (db, a: { id: string }) =>
      db.selectFrom('invoices').select('id').where('status', '=', 'open').where('id', '=', a.id),
    );
    await expect(find(api.t.db, { id: 'inv_x' })).rejects.toThrow(InvariantError);
  });

  it('compiles a statement per shape: rows of another count or a column left out', async () => {
    const insert = preparedStatement('test_shapes', (db, a: { rows: { id: string; name: string; email: string; external_id?: string }[] }) =>
      db.insertInto('customers').values(a.rows).returning(['id', 'external_id']),
    );
    const row = (n: number, externalId?: string) => ({ id: `cus_shape_${n}`, name: `C${n}`, email: `c${n}@example.com`, ...(externalId ? { external_id: externalId } : {}) });
    const one = await insert(api.t.db, { rows: [row(1, 'x1')] });
    const two = await insert(api.t.db, { rows: [row(2, 'x2'), row(3, 'x3')] });
    const left = await insert(api.t.db, { rows: [row(4)] });
    const again = await insert(api.t.db, { rows: [row(5, 'x5')] });
    expect(one).toEqual([{ id: 'cus_shape_1', external_id: 'x1' }]);
    expect(two).toEqual([{ id: 'cus_shape_2', external_id: 'x2' }, { id: 'cus_shape_3', external_id: 'x3' }]);
    expect(left).toEqual([{ id: 'cus_shape_4', external_id: null }]);
    expect(again).toEqual([{ id: 'cus_shape_5', external_id: 'x5' }]);
    expect((await preparedOnConnection()).filter((n) => n.startsWith('accrue_test_shapes_'))).toEqual(['accrue_test_shapes_1', 'accrue_test_shapes_2', 'accrue_test_shapes_3']);
  });
});

describe('the invoice create as a named prepared statement', () => {
  it('is prepared on the connection that ran it, and stays prepared for the next create', async () => {
    await create();
    expect(await preparedOnConnection()).toContain(STATEMENT);
    const before = await countRows(api.t);
    await create();
    const after = await countRows(api.t);
    expect(after.invoices - before.invoices).toBe(1);
    expect(after.events - before.events).toBe(1);
    expect(after.outbox - before.outbox).toBe(1);
  });

  it('keeps working after a migration adds columns and an index to the tables it writes (Postgres replans it)', async () => {
    await create();
    await sql`ALTER TABLE invoices ADD COLUMN prepared_test_note text`.execute(api.t.owner);
    await sql`ALTER TABLE events ADD COLUMN prepared_test_extra text`.execute(api.t.owner);
    await sql`CREATE INDEX prepared_test_idx ON invoices (currency)`.execute(api.t.owner);
    try {
      await create();
      await create({ 'idempotency-key': 'after-ddl' });
      expect(await preparedOnConnection()).toContain(STATEMENT);
    } finally {
      await sql`DROP INDEX prepared_test_idx`.execute(api.t.owner);
      await sql`ALTER TABLE invoices DROP COLUMN prepared_test_note`.execute(api.t.owner);
      await sql`ALTER TABLE events DROP COLUMN prepared_test_extra`.execute(api.t.owner);
    }
    await create();
  });

  it('answers 201 when the server lost the statement (DEALLOCATE ALL, as a pooler may do)', async () => {
    await create();
    expect(await preparedOnConnection()).toContain(STATEMENT);
    await sql`DEALLOCATE ALL`.execute(api.t.db);
    await create();
    await create();
  });

  it('prepares again on a new connection after the old one was terminated', async () => {
    await create();
    const admin = new pg.Client({ connectionString: api.t.adminUrl });
    await admin.connect();
    try {
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND usename <> current_user AND pid <> pg_backend_pid()`, [api.t.name]);
    } finally {
      await admin.end();
    }
    // The pool drops the terminated client when its error arrives.
    const deadline = Date.now() + 5000;
    while (api.t.pool.totalCount > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(api.t.pool.totalCount).toBe(0);
    await create();
    expect(await preparedOnConnection()).toContain(STATEMENT);
  });

  it('answers 201 after a migration changed the type of a column it returns (the plan must change its result type)', async () => {
    await create();
    expect(await preparedOnConnection()).toContain(STATEMENT);
    await sql`ALTER TABLE invoices ALTER COLUMN updated_at TYPE timestamptz(3)`.execute(api.t.owner);
    try {
      await create();
      await create();
    } finally {
      await sql`ALTER TABLE invoices ALTER COLUMN updated_at TYPE timestamptz`.execute(api.t.owner);
    }
  });
});
