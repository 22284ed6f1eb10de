import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';

/**
 * A revenue line names a book (migration 171: statement triggers in place of the
 * foreign key's per-row check): refused as the key refused (23503), inserting, moving
 * a line, deleting, renaming or truncating a book. Costs: one test database.
 */
describe("a revenue line's book", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
    await sql`INSERT INTO revenue_invoices (invoice_id, status, first_event_on) VALUES ('inv_a', 'open', '2026-01-01'), ('inv_b', 'open', '2026-01-01')`.execute(t.owner);
  });
  afterAll(async () => {
    await t?.drop();
  });

  const line = (invoiceId: string, lineId: string) =>
    sql`INSERT INTO revenue_lines (invoice_id, line_id, currency, position, net_amount, recognized_through, active)
        VALUES (${invoiceId}, ${lineId}, 'USD', 0, 100, '2026-01-01', true)`;
  const refused = async (statement: Promise<unknown>) => {
    const err = await statement.then(() => null, (e: unknown) => e as { code?: string; constraint?: string });
    expect(err).toMatchObject({ code: '23503', constraint: 'revenue_lines_invoice_id_fkey' });
  };

  it('refuses a line without its book, and a line moved to an invoice without one', async () => {
    await line('inv_a', 'l1').execute(t.owner);
    await refused(line('inv_none', 'l1').execute(t.owner));
    await refused(sql`UPDATE revenue_lines SET invoice_id = 'inv_none' WHERE invoice_id = 'inv_a'`.execute(t.owner));
    await sql`UPDATE revenue_lines SET invoice_id = 'inv_b' WHERE invoice_id = 'inv_a'`.execute(t.owner);
    await sql`UPDATE revenue_lines SET invoice_id = 'inv_a' WHERE invoice_id = 'inv_b'`.execute(t.owner);
  });

  it('refuses deleting, renaming or truncating a book that still has lines; a book without lines goes', async () => {
    await refused(sql`DELETE FROM revenue_invoices WHERE invoice_id = 'inv_a'`.execute(t.owner));
    await refused(sql`UPDATE revenue_invoices SET invoice_id = 'inv_c' WHERE invoice_id = 'inv_a'`.execute(t.owner));
    await refused(sql`TRUNCATE revenue_invoices`.execute(t.owner));
    await sql`DELETE FROM revenue_invoices WHERE invoice_id = 'inv_b'`.execute(t.owner);
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM revenue_invoices`.execute(t.owner);
    expect(rows[0]!.n).toBe(1);
  });
});
