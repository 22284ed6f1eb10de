import { sql } from 'kysely';
import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessDriver } from '../../../src/cli/scenarios/inProcessDriver.ts';
import type { InvoiceOperation } from '../../../src/cli/scenarios/scenarioFile.ts';
import { ACCOUNTS } from '../../../src/subscribers/revenue/accounts.ts';
import { BOOK_SNAPSHOT_SCHEMA_VERSION, parseBookSnapshot } from '../../../src/subscribers/revenue/bookSnapshot.ts';
import { applyInvoiceBatch } from '../../../src/subscribers/revenue/applyInvoiceBatch.ts';
import { readEventsAt } from '../../../src/events/appendEvents.ts';
import { addDays } from '../../../src/values/dates.ts';
import { CountStatements } from '../../helpers/countStatements.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';
import { incoming, memoryBooks } from './memoryBooks.ts';

/**
 * Issue 15 through Postgres: books saved as snapshot + tail, a late event dated before
 * the snapshot point, and a snapshot of another schema version all give the journal
 * the pure full fold gives (memoryBooks) for the same deliveries and clocks; the event
 * store of the books holds every event, and ledger_posted_totals agrees with the
 * entries it summarises. Costs: one test database, ~30 postings.
 */
const lines = (amount: number) => [
  { lineId: 'l1', kind: 'revenue', description: '', amount, servicePeriod: { start: '2026-01-01', end: '2027-01-01' } },
  { lineId: 't', kind: 'tax', description: '', amount: 100 },
];

describe('revenue books as snapshot + tail in Postgres', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('late events and an unreadable snapshot post what a full fold posts', async () => {
    const op = (type: string, occurredAt: string, extra: Partial<InvoiceOperation>): InvoiceOperation =>
      ({ eventId: uuidv7(), type, occurredAt, invoiceId: 'inv_s', data: {}, ...extra }) as InvoiceOperation;
    const history: InvoiceOperation[] = [op('InvoiceCreated', '2026-01-01', { version: 1, data: { customerId: 'cus', currency: 'USD', lines: lines(12_000) } })];
    for (let v = 2; v <= 16; v++) if (v !== 3) history.push(op('InvoiceUpdated', addDays('2026-01-01', v * 4), { version: v, data: { currency: 'USD', lines: lines(12_000 + v * 50) } }));
    for (let p = 1; p <= 6; p++) history.push(op('InvoicePaymentReceived', addDays('2026-01-03', p * 9), { data: { paymentId: `p${p}`, amount: 1500 } }));
    history.sort((a, b) => (a.occurredAt < b.occurredAt ? -1 : a.occurredAt > b.occurredAt ? 1 : 0));
    // Held back and delivered last: an update and a payment dated well before the snapshot point.
    const late = [
      op('InvoiceUpdated', '2026-01-10', { version: 3, data: { currency: 'USD', lines: lines(9_000) } }),
      op('InvoicePaid', '2026-01-20', { data: { paymentId: 'p_mid', amount: 4000 } }),
      op('InvoicePaid', '2026-01-21', { data: { paymentId: 'p_late', amount: 700 } }),
    ];
    const memory = memoryBooks();
    const deliver = async (o: InvoiceOperation, today: string) => {
      await createInProcessDriver(t.db, { now: new Date(`${today}T12:00:00Z`) }).importEvents([o]);
      memory.apply(incoming(o), { today, firstOpenDay: null });
    };
    for (const o of history.filter((h) => !late.some((l) => l.eventId === h.eventId))) await deliver(o, o.occurredAt);

    const before = await sql<{ snapshot: unknown; tail: number }>`
      SELECT snapshot, jsonb_array_length(applied) AS tail FROM revenue_invoices WHERE invoice_id = 'inv_s'`.execute(t.db);
    expect(parseBookSnapshot(before.rows[0]!.snapshot)?.through.on).toBe('2026-03-06');
    expect(before.rows[0]!.tail).toBe(0);

    for (const o of late) await deliver(o, '2026-03-20');
    expect(await journalByMonth()).toEqual(memoryByMonth());

    // A snapshot of another schema version is ignored: the book folds its stored events.
    await sql`UPDATE revenue_invoices SET snapshot = jsonb_set(snapshot, '{schemaVersion}', '99') WHERE invoice_id = 'inv_s'`.execute(t.owner);
    await deliver(op('InvoiceUpdated', '2026-03-21', { version: 40, data: { currency: 'USD', lines: lines(20_000) } }), '2026-03-21');
    expect(await journalByMonth()).toEqual(memoryByMonth());
    const after = await sql<{ version: number }>`SELECT (snapshot ->> 'schemaVersion')::int AS version FROM revenue_invoices WHERE invoice_id = 'inv_s'`.execute(t.db);
    expect(after.rows[0]!.version).toBe(BOOK_SNAPSHOT_SCHEMA_VERSION);

    const stored = await sql<{ n: number }>`SELECT count(*)::int AS n FROM revenue_book_events WHERE invoice_id = 'inv_s'`.execute(t.db);
    expect(stored.rows[0]!.n).toBe(history.length + late.length + 1);
    const mismatched = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM (
        SELECT invoice_id, CASE WHEN kind = 'recognition' THEN date_trunc('month', origin_date)::date ELSE origin_date END AS bucket, kind,
               coalesce(line_id, '') AS line_id, coalesce(payment_id, '') AS payment_id, max(origin_date) AS last_origin,
               sum(accounts_receivable) AS ar, sum(cash) AS cash, sum(deferred_revenue) AS dr, sum(revenue) AS rev, sum(tax_payable) AS tax, sum(customer_credit) AS cc
        FROM ledger_entries GROUP BY 1, 2, 3, 4, 5
      ) e FULL JOIN ledger_posted_totals t USING (invoice_id, bucket, kind, line_id, payment_id)
      WHERE e.last_origin IS DISTINCT FROM t.last_origin OR e.ar IS DISTINCT FROM t.accounts_receivable OR e.cash IS DISTINCT FROM t.cash
         OR e.dr IS DISTINCT FROM t.deferred_revenue OR e.rev IS DISTINCT FROM t.revenue OR e.tax IS DISTINCT FROM t.tax_payable
         OR e.cc IS DISTINCT FROM t.customer_credit`.execute(t.db);
    expect(mismatched.rows[0]!.n).toBe(0);

    async function journalByMonth() {
      const { rows } = await sql<Record<string, string | number>>`
        SELECT to_char(entry_date, 'YYYY-MM') AS month, sum(accounts_receivable)::int AS "AccountsReceivable", sum(cash)::int AS "Cash",
               sum(deferred_revenue)::int AS "DeferredRevenue", sum(revenue)::int AS "Revenue", sum(tax_payable)::int AS "TaxPayable",
               sum(customer_credit)::int AS "CustomerCredit"
        FROM ledger_entries WHERE invoice_id = 'inv_s' GROUP BY 1 ORDER BY 1`.execute(t.db);
      return Object.fromEntries(rows.map(({ month, ...m }) => [month, m]));
    }
    function memoryByMonth() {
      const out: Record<string, Record<string, number>> = {};
      for (const e of memory.journal) {
        const m = (out[e.entryDate.slice(0, 7)] ??= Object.fromEntries(ACCOUNTS.map((a) => [a, 0])));
        for (const a of ACCOUNTS) m[a]! += e.movement[a];
      }
      return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
    }
  });
  it('asks the event store of the books by key: a folded event again, and a payment id a folded event holds, post nothing', async () => {
    const op = (invoiceId: string, type: string, occurredAt: string, extra: Partial<InvoiceOperation>): InvoiceOperation =>
      ({ eventId: uuidv7(), type, occurredAt, invoiceId, data: {}, ...extra }) as InvoiceOperation;
    const deliver = (o: InvoiceOperation, today: string) => createInProcessDriver(t.db, { now: new Date(`${today}T12:00:00Z`) }).importEvents([o]);
    const created = op('inv_k', 'InvoiceCreated', '2026-01-01', { version: 1, data: { customerId: 'cus', currency: 'USD', lines: lines(5_000) } });
    const paid = op('inv_k', 'InvoicePaymentReceived', '2026-01-02', { data: { paymentId: 'pay_shared', amount: 5_100 } });
    // Another invoice holds the same payment id (ids are the billing system's): not this invoice's payment.
    const other = op('inv_k2', 'InvoiceCreated', '2026-01-01', { version: 1, data: { customerId: 'cus', currency: 'USD', lines: lines(700) } });
    const otherPaid = op('inv_k2', 'InvoicePaymentReceived', '2026-01-02', { data: { paymentId: 'pay_shared', amount: 800 } });
    for (const o of [created, paid, other, otherPaid]) await deliver(o, '2026-01-03');
    const folded = await sql<{ tail: number; snapshot: unknown }>`
      SELECT jsonb_array_length(applied) AS tail, snapshot FROM revenue_invoices WHERE invoice_id = 'inv_k'`.execute(t.db);
    expect({ tail: folded.rows[0]!.tail, through: parseBookSnapshot(folded.rows[0]!.snapshot)?.through.key }).toEqual({ tail: 0, through: 'pay_shared' });
    // Recognition catches up with each posting's day; what the payments post must not move.
    const entries = () => sql<{ invoice_id: string; n: number }>`
      SELECT invoice_id, count(*)::int AS n FROM ledger_entries
      WHERE invoice_id IN ('inv_k', 'inv_k2') AND kind <> 'recognition' GROUP BY 1 ORDER BY 1`.execute(t.db).then((r) => r.rows);
    const before = await entries();

    // Folded events posted again past the inbox (a replay whose inbox row was pruned), on
    // the day of the last posting: the store knows their ids (and the payment's id), so
    // the book is neither re-folded from its history (two statements more) nor re-saved.
    const book = () => sql<{ updated_at: string }>`SELECT updated_at::text FROM revenue_invoices WHERE invoice_id = 'inv_k'`.execute(t.db).then((r) => r.rows[0]);
    const saved = await book();
    const { rows } = await sql<{ position: string }>`SELECT position::text FROM events WHERE aggregate_id = 'inv_k' ORDER BY position`.execute(t.db);
    const stored = await readEventsAt(t.db, rows.map((r) => Number(r.position)));
    const counter = new CountStatements();
    await t.db.withPlugin(counter).transaction().execute((tx) => applyInvoiceBatch(tx, stored, new Date('2026-01-03T12:00:00Z')));
    expect(counter.count).toBe(2); // the invoice locks and the books read: nothing to write
    expect(await book()).toEqual(saved);
    // The same payment again under a new event, on a later day: the folded one wins.
    await deliver(op('inv_k', 'InvoicePaid', '2026-01-06', { data: { paymentId: 'pay_shared', amount: 5_100 } }), '2026-01-06');
    expect(await entries()).toEqual(before);
    const cash = await sql<{ invoice_id: string; cash: number }>`
      SELECT invoice_id, sum(cash)::int AS cash FROM ledger_entries WHERE invoice_id IN ('inv_k', 'inv_k2') GROUP BY 1 ORDER BY 1`.execute(t.db);
    expect(cash.rows).toEqual([{ invoice_id: 'inv_k', cash: 5_100 }, { invoice_id: 'inv_k2', cash: 800 }]);
  });
});
