import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invoiceStatement } from '../../bench/lib/invoiceSqlCeiling.ts';
import { newInvoiceId } from '../../src/invoices/executeInvoiceCommand.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase.ts';

// The invoiceSql figure's pgbench statement must write what POST /v1/invoices writes,
// ids included: the API's are uuidv7 (time-ordered B-tree keys), not random ones.
const version = (uuid: string) => uuid.replace(/^inv_/, '')[14];

describe('the invoiceSql figure statement', () => {
  let t: TestDatabase;
  let c: pg.Client;
  beforeAll(async () => {
    t = await createTestDatabase();
    c = new pg.Client({ connectionString: t.url });
    await c.connect();
    await c.query(`INSERT INTO customers (id, name, email) VALUES ('cus_sql_fig', 'Bench', 'bench@example.com')`);
  });
  afterAll(async () => {
    await c.end();
    await t.drop();
  });

  const write = async (ids: 'uuidv7' | 'random') => {
    await c.query(invoiceStatement('cus_sql_fig', ids));
    const { rows } = await c.query<{ id: string; event_id: string; correlation_id: string }>(
      `SELECT i.id, e.event_id::text, e.correlation_id FROM invoices i JOIN events e ON e.aggregate_id = i.id ORDER BY e.position DESC LIMIT 1`,
    );
    return rows[0]!;
  };

  it('sends ids of the API kind: inv_<uuidv7>, uuidv7 event and correlation ids, in creation order', async () => {
    const first = await write('uuidv7');
    const second = await write('uuidv7');
    expect(first.id).toMatch(/^inv_[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(version(first.id)).toBe(version(newInvoiceId()));
    expect([version(first.event_id), version(first.correlation_id)]).toEqual(['7', '7']);
    expect(second.id > first.id && second.event_id > first.event_id && second.correlation_id > first.correlation_id).toBe(true);
  });

  it('sends random (v4) ids when asked, the figure statement before', async () => {
    const row = await write('random');
    expect([version(row.id), version(row.event_id), version(row.correlation_id)]).toEqual(['4', '4', '4']);
  });
});
