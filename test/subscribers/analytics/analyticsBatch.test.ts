import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { NewEvent } from '../../../src/events/appendEvents.ts';
import type { StoredEvent } from '../../../src/events/envelope.ts';
import { analyticsStatements, analyticsSubscriber, resetAnalytics } from '../../../src/subscribers/analytics/updateInvoiceAnalytics.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { appendTestEvents } from '../../helpers/appendTestEvent.ts';

/**
 * handleBatch applies a whole batch in a fixed number of statements (payments folded by
 * key, void and overdue dates folded by invoice, states in waves); it must give exactly
 * the rows `handle` gives event after event in the batch's order: several events of one
 * invoice in one batch, repeated payment ids with other amounts and days, updates that
 * omit fields, versions out of position order, repeats.
 */
const rev = (amount: number) => ({ lineId: 'r1', kind: 'revenue', description: 'Service', amount });

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32;
}

/** Per invoice: states with versions out of position order, payments with repeated ids, several voids and overdue notices. */
function history(seed: number): NewEvent[] {
  const rand = lcg(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(rand() * items.length)]!;
  const day = () => `2026-0${1 + Math.floor(rand() * 6)}-${String(1 + Math.floor(rand() * 28)).padStart(2, '0')}`;
  const out: NewEvent[] = [];
  for (let i = 0; i < 12; i++) {
    const id = `inv_${seed}_${i}`;
    const versions = [1, 2, 3, 4].sort(() => rand() - 0.5);
    const state = (type: 'InvoiceCreated' | 'InvoiceUpdated', version: number): NewEvent => ({
      type,
      aggregateId: id,
      aggregateVersion: version,
      occurredAt: day(),
      data: {
        ...(type === 'InvoiceCreated' || rand() < 0.5 ? { customerId: pick(['cus_1', 'cus_2']) } : {}),
        currency: pick(['USD', 'EUR']),
        lines: [rev(1_000 + Math.floor(rand() * 9_000))],
        ...(rand() < 0.5 ? { dueDate: day() } : {}),
        ...(rand() < 0.3 ? { issuedAt: day() } : {}),
      },
    });
    if (rand() < 0.8) out.push(state('InvoiceCreated', versions[0]!));
    for (let u = 1; u < 1 + Math.floor(rand() * 3); u++) out.push(state('InvoiceUpdated', versions[u]!));
    for (let p = 0; p < Math.floor(rand() * 5); p++) {
      const type = pick(['InvoicePaymentReceived', 'InvoicePaid'] as const);
      out.push({ type, aggregateId: id, occurredAt: day(), data: { paymentId: pick(['p1', 'p2']), amount: Math.floor(rand() * 5_000), ...(rand() < 0.5 ? { receivedAt: day() } : {}) } });
    }
    for (let v = 0; v < Math.floor(rand() * 3); v++) out.push({ type: pick(['InvoiceVoided', 'InvoiceDeleted'] as const), aggregateId: id, occurredAt: day(), data: { reason: 'test' } });
    for (let o = 0; o < Math.floor(rand() * 3); o++) out.push({ type: 'InvoiceOverdue', aggregateId: id, occurredAt: day(), data: { dueDate: day(), amountDue: 100 } });
  }
  // Interleave the invoices' events, keeping nothing in order.
  return out.sort(() => rand() - 0.5);
}

function shuffle<T>(items: readonly T[], seed: number): T[] {
  const rand = lcg(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('analytics handleBatch', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.drop();
  });

  const facts = async () => ({
    invoices: (
      await sql<Record<string, unknown>>`SELECT invoice_id, customer_id, currency, issued_on, due_date, overdue_due_date, total, tax, version, position, voided_on
                                         FROM analytics_invoices ORDER BY invoice_id`.execute(t.db)
    ).rows,
    payments: (await sql<Record<string, unknown>>`SELECT * FROM analytics_payments ORDER BY invoice_id, payment_id`.execute(t.db)).rows,
  });
  const ctx = () => ({ log: silentLogger, now: new Date() });

  it('gives the rows of handle() event by event in the batch order, for any order and with repeats', async () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const events = await appendTestEvents(t.db, history(seed));
      const orders: StoredEvent[][] = [
        [...events].sort((a, b) => a.position - b.position),
        shuffle(events, seed),
        [...shuffle(events, seed + 100), ...shuffle(events, seed + 200).slice(0, 10)],
      ];
      for (const order of orders) {
        await resetAnalytics(t.db);
        await t.db.transaction().execute(async (tx) => {
          for (const e of order) await analyticsSubscriber.handle(e, { db: tx, ...ctx() });
        });
        const oneByOne = await facts();
        expect(oneByOne.invoices.length).toBeGreaterThan(0);

        await resetAnalytics(t.db);
        await t.db.transaction().execute((tx) => analyticsSubscriber.handleBatch(order, { db: tx, ...ctx() }));
        expect(await facts()).toEqual(oneByOne);

        // On top of stored facts: half the batch applied one by one first, the rest (and all again) as a batch.
        await resetAnalytics(t.db);
        const half = order.slice(0, Math.floor(order.length / 2));
        await t.db.transaction().execute(async (tx) => {
          for (const e of half) await analyticsSubscriber.handle(e, { db: tx, ...ctx() });
          await analyticsSubscriber.handleBatch(order.slice(half.length), { db: tx, ...ctx() });
        });
        const split = await facts();
        await resetAnalytics(t.db);
        await t.db.transaction().execute(async (tx) => {
          for (const e of order) await analyticsSubscriber.handle(e, { db: tx, ...ctx() });
        });
        expect(split).toEqual(await facts());
      }
    }
  });

  it('takes one statement for a batch with at most one state event per invoice', async () => {
    const events = await appendTestEvents(t.db, [
      { type: 'InvoiceCreated', aggregateId: 'one_a', aggregateVersion: 1, occurredAt: '2026-01-02', data: { customerId: 'cus_1', currency: 'USD', lines: [rev(1_000)] } },
      { type: 'InvoicePaymentReceived', aggregateId: 'one_a', occurredAt: '2026-01-03', data: { paymentId: 'p1', amount: 500 } },
      { type: 'InvoicePaid', aggregateId: 'one_a', occurredAt: '2026-01-03', data: { paymentId: 'p1', amount: 500 } },
      { type: 'InvoiceUpdated', aggregateId: 'one_b', aggregateVersion: 2, occurredAt: '2026-01-02', data: { currency: 'USD', lines: [rev(2_000)] } },
      { type: 'InvoiceVoided', aggregateId: 'one_c', occurredAt: '2026-01-04', data: { reason: 'x' } },
      { type: 'InvoiceOverdue', aggregateId: 'one_c', occurredAt: '2026-01-05', data: { dueDate: '2026-01-01', amountDue: 10 } },
    ]);
    expect(analyticsStatements(events)).toHaveLength(1);
    // A void of an invoice whose state is in the batch goes to a round trip without it; a second state of an invoice makes a second wave.
    const [created, , , , voided] = events;
    expect(analyticsStatements([created!, { ...voided!, aggregateId: 'one_a' }])).toHaveLength(2);
    expect(analyticsStatements([created!, { ...created!, position: created!.position + 1000 }])).toHaveLength(2);
    await t.db.transaction().execute((tx) => analyticsSubscriber.handleBatch(events, { db: tx, ...ctx() }));
    const rows = await facts();
    expect(rows.payments.filter((p) => p.invoice_id === 'one_a')).toEqual([{ invoice_id: 'one_a', payment_id: 'p1', amount: 500, received_on: '2026-01-03' }]);
    expect(rows.invoices.find((i) => i.invoice_id === 'one_c')).toMatchObject({ voided_on: '2026-01-04', overdue_due_date: '2026-01-01', version: 0 });
  });
});
