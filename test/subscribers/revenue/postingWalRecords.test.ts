import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessDriver } from '../../../src/cli/scenarios/inProcessDriver.ts';
import type { InvoiceOperation } from '../../../src/cli/scenarios/scenarioFile.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';

// What a posting writes, read from the WAL (pg_walinspect, by relation): the rows of an
// invoice new in its posting (its book, lines and book events) and posted totals under a
// new key are plain inserts, with no HEAP_CONFIRM record of a speculative (ON CONFLICT)
// insertion each; what existed is upserted as before (issue 10, eighth step).

const TABLES = ['revenue_invoices', 'revenue_lines', 'revenue_book_events', 'ledger_posted_totals'];
const line = (lineId: string, amount: number, start: string, end: string) => ({ lineId, kind: 'revenue' as const, description: '', amount, servicePeriod: { start, end } });

describe('the WAL records of a posting', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
    await sql`CREATE EXTENSION IF NOT EXISTS pg_walinspect`.execute(t.owner);
  });
  afterAll(async () => {
    await t?.drop();
  });

  /** Per table, the speculative insertions confirmed while `write` ran. */
  async function confirmations(write: () => Promise<void>): Promise<Record<string, number>> {
    const lsn = async () => (await sql<{ l: string }>`SELECT pg_current_wal_insert_lsn()::text AS l`.execute(t.owner)).rows[0]!.l;
    const from = await lsn();
    await write();
    const to = await lsn();
    // Read once flushed (a test cluster may commit asynchronously).
    for (let i = 0; i < 100; i++) {
      const { rows } = await sql<{ ok: boolean }>`SELECT pg_current_wal_flush_lsn() >= ${to}::pg_lsn AS ok`.execute(t.owner);
      if (rows[0]!.ok) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const { rows } = await sql<{ rel: string; n: number }>`
      SELECT c.relname AS rel, count(*)::int AS n
      FROM pg_get_wal_block_info(${from}::pg_lsn, ${to}::pg_lsn) b
      JOIN pg_class c ON c.relfilenode = b.relfilenode
      WHERE b.reldatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND b.block_id = 0 AND b.record_type = 'HEAP_CONFIRM' AND c.relname = ANY(${TABLES}::text[])
      GROUP BY 1`.execute(t.owner);
    return Object.fromEntries(TABLES.map((rel) => [rel, rows.find((r) => r.rel === rel)?.n ?? 0]));
  }

  it('a new invoice: none; later, new totals keys none either, and a key posted before is added to: the totals match the entries', async () => {
    const created: InvoiceOperation = { eventId: 'w1', type: 'InvoiceCreated', occurredAt: '2026-01-01', invoiceId: 'inv_w', version: 1,
      data: { customerId: 'c', currency: 'USD', lines: [line('l1', 12000, '2026-01-01', '2027-01-01'), line('l2', 3100, '2026-01-01', '2026-02-01')] } };
    const paid: InvoiceOperation = { eventId: 'w2', type: 'InvoicePaid', occurredAt: '2026-06-20', invoiceId: 'inv_w', data: { paymentId: 'p1', amount: 5000 } };

    const none = { revenue_invoices: 0, revenue_lines: 0, revenue_book_events: 0, ledger_posted_totals: 0 };
    expect(await confirmations(() => createInProcessDriver(t.db, { now: new Date('2026-06-15T12:00:00Z') }).importEvents([created]))).toEqual(none);
    // Ten days on: June's recognition of l1 adds to the key the first posting made; the payment's key is new.
    // The book existed: its event goes through ON CONFLICT DO NOTHING (one confirmation).
    expect(await confirmations(() => createInProcessDriver(t.db, { now: new Date('2026-06-25T12:00:00Z') }).importEvents([paid]))).toEqual({ ...none, revenue_book_events: 1 });

    const { rows } = await sql<{ differ: number; totals: number; addedTo: number }>`
      WITH e AS (
        SELECT invoice_id, CASE WHEN kind = 'recognition' THEN date_trunc('month', origin_date)::date ELSE origin_date END AS bucket,
               kind, coalesce(line_id, '') AS line_id, coalesce(payment_id, '') AS payment_id, max(origin_date) AS last_origin,
               sum(accounts_receivable) AS ar, sum(cash) AS cash, sum(deferred_revenue) AS dr, sum(revenue) AS rev,
               count(DISTINCT event_id) AS postings
        FROM ledger_entries GROUP BY 1, 2, 3, 4, 5)
      SELECT (SELECT count(*)::int FROM e FULL JOIN ledger_posted_totals t USING (invoice_id, bucket, kind, line_id, payment_id)
              WHERE (e.last_origin, e.ar, e.cash, e.dr, e.rev) IS DISTINCT FROM (t.last_origin, t.accounts_receivable, t.cash, t.deferred_revenue, t.revenue)) AS differ,
             (SELECT count(*)::int FROM ledger_posted_totals) AS totals,
             (SELECT count(*)::int FROM e WHERE postings > 1) AS "addedTo"`.execute(t.db);
    expect(rows[0]).toMatchObject({ differ: 0, addedTo: 1 });
    expect(rows[0]!.totals).toBeGreaterThan(2);
  });
});
