import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessDriver } from '../../../src/cli/scenarios/inProcessDriver.ts';
import type { InvoiceOperation } from '../../../src/cli/scenarios/scenarioFile.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';

const line = (lineId: string, amount: number, start: string, end: string) => ({ lineId, kind: 'revenue' as const, description: '', amount, servicePeriod: { start, end } });

/**
 * writePostings writes books, entries and revenue events in one statement, the
 * entries' ids drawn inside it: every revenue event must name (data.entryId) the entry
 * it reports — same invoice, caused by the same invoice event, dated postedOn, for its
 * amount — and ids must follow posting order. Costs: one test database, five events.
 */
describe('revenue postings written in one statement', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('gives each revenue event the id of its entry', async () => {
    const driver = createInProcessDriver(t.db, { now: new Date('2026-06-15T12:00:00Z') });
    const ops: InvoiceOperation[] = [
      { eventId: 'a1', type: 'InvoiceCreated', occurredAt: '2026-01-01', invoiceId: 'inv_a', version: 1, data: { customerId: 'c', currency: 'USD', lines: [line('l1', 12000, '2026-01-01', '2027-01-01'), line('l2', 3100, '2026-01-01', '2026-02-01')] } },
      { eventId: 'b1', type: 'InvoiceCreated', occurredAt: '2026-02-10', invoiceId: 'inv_b', version: 1, data: { customerId: 'c', currency: 'EUR', lines: [line('m1', 6000, '2026-02-10', '2026-08-10')] } },
      { eventId: 'a2', type: 'InvoiceUpdated', occurredAt: '2026-03-05', invoiceId: 'inv_a', version: 2, data: { currency: 'USD', lines: [line('l1', 9000, '2026-01-01', '2027-01-01')] } },
      { eventId: 'a3', type: 'InvoicePaid', occurredAt: '2026-03-06', invoiceId: 'inv_a', data: { paymentId: 'p1', amount: 9000 } },
      { eventId: 'b2', type: 'InvoiceVoided', occurredAt: '2026-04-01', invoiceId: 'inv_b', data: { reason: 'test' } },
    ];
    await driver.importEvents(ops);

    const { rows } = await sql<{ type: string; entry_id: string | null; matches: boolean | null }>`
      SELECT r.type, r.data->>'entryId' AS entry_id,
             (e.invoice_id = r.aggregate_id AND e.event_id::text = r.causation_id AND e.entry_date = (r.data->>'postedOn')::date
              AND CASE r.type WHEN 'RevenueDeferred' THEN -e.deferred_revenue WHEN 'RevenueReversed' THEN e.revenue ELSE -e.revenue END
                  = (r.data->>'amount')::bigint) AS matches
      FROM events r LEFT JOIN ledger_entries e ON e.entry_id = (r.data->>'entryId')::bigint
      WHERE r.source = 'revenue'`.execute(t.db);
    expect(new Set(rows.map((r) => r.type))).toEqual(new Set(['RevenueDeferred', 'RevenueRecognized', 'RevenueAdjusted', 'RevenueReversed']));
    expect(rows.filter((r) => r.matches !== true)).toEqual([]);

    // Ids follow posting order: an invoice event's entries were drawn after the earlier ones'.
    const order = await sql<{ event_id: string; first: string }>`
      SELECT event_id::text, min(entry_id)::text AS first FROM ledger_entries GROUP BY event_id ORDER BY min(entry_id)`.execute(t.db);
    const byEvent = await sql<{ event_id: string; external_id: string }>`SELECT event_id::text, external_id FROM events WHERE source = 'import'`.execute(t.db);
    const external = new Map(byEvent.rows.map((r) => [r.event_id, r.external_id]));
    expect(order.rows.map((r) => external.get(r.event_id))).toEqual(['a1', 'b1', 'a2', 'a3', 'b2']);
  });
});
