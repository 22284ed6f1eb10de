import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bookSaveParams } from '../../../src/subscribers/revenue/ledger/invoiceBooks.ts';
import { postingParams, writePostings } from '../../../src/subscribers/revenue/ledger/writePostings.ts';
import type { BookEvent } from '../../../src/subscribers/revenue/invoiceTimeline.ts';
import type { InvoiceBook } from '../../../src/subscribers/revenue/postInvoiceEvent.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';

// A book that did not exist before a posting (loadInvoiceBooks found none, under the
// invoice's lock) is written with plain INSERTs, its lines and events too: no ON CONFLICT
// probe and confirmation record per row (issue 10, eighth step). A book that existed
// is upserted as before.

const book = (invoiceId: string): InvoiceBook => ({ invoiceId, snapshot: null, applied: [], parked: [], firstEventOn: '2026-01-01', horizon: null });
// Event ids are the event store's uuids (revenue_book_events.event_id is a uuid since migration 174).
const E1 = '00000000-0000-7000-8000-000000000001';
const E2 = '00000000-0000-7000-8000-000000000002';
const event = (eventId: string): BookEvent => ({ eventId, type: 'InvoiceCreated', occurredAt: '2026-01-01', effectiveOn: '2026-01-01', version: 1, data: {} });
const post = (invoiceId: string, existed: boolean, events: BookEvent[] = []) =>
  postingParams({ books: [{ book: book(invoiceId), outcome: null, existed }], bookEvents: events.map((e) => ({ invoiceId, event: e })), entries: [], revenueEvents: [] }, { correlationId: 'fresh', actor: 'revenue' })!;

describe('the rows of a book new in its posting', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('are inserted without ON CONFLICT: a book said to be new that exists is refused by its key, and upserted when said to exist', async () => {
    await writePostings(t.db, post('inv_fresh', false, [event(E1)]));
    await expect(writePostings(t.db, post('inv_fresh', false))).rejects.toMatchObject({ code: '23505', constraint: 'revenue_invoices_pkey' });
    await expect(writePostings(t.db, post('inv_fresh', false, [event(E1)]))).rejects.toMatchObject({ code: '23505' });
    await writePostings(t.db, post('inv_fresh', true, [event(E1), event(E2)]));
    const { rows } = await sql<{ books: number; events: string[] }>`
      SELECT (SELECT count(*)::int FROM revenue_invoices WHERE invoice_id = 'inv_fresh') AS books,
             (SELECT array_agg(event_id ORDER BY event_id) FROM revenue_book_events WHERE invoice_id = 'inv_fresh') AS events`.execute(t.db);
    expect(rows[0]).toEqual({ books: 1, events: [E1, E2] });
  });

  it('store an event given twice once, as ON CONFLICT DO NOTHING did; a book that existed leaves that to ON CONFLICT', () => {
    const twice = [event('e1'), event('e1')];
    const stored = (existed: boolean) =>
      JSON.parse(bookSaveParams([{ book: book('inv_t'), outcome: null, existed }], twice.map((e) => ({ invoiceId: 'inv_t', event: e }))).bookEvents) as { event_id: string; fresh: boolean }[];
    expect(stored(false).map((e) => [e.event_id, e.fresh])).toEqual([['e1', true]]);
    expect(stored(true).map((e) => [e.event_id, e.fresh])).toEqual([['e1', false], ['e1', false]]);
  });
});
