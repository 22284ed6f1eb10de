import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyBatch, type BatchJob } from '../../../src/bus/worker/applyBatch.ts';
import { appendEvents } from '../../../src/events/appendEvents.ts';
import type { StoredEvent } from '../../../src/events/envelope.ts';
import { revenueSubscriber } from '../../../src/subscribers/revenue/revenueSubscriber.ts';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { CountStatements } from '../../helpers/countStatements.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';


/**
 * The revenue subscriber's batch in the worker costs a fixed number of statements
 * inside its transaction, whatever the batch holds (each is a round trip on the
 * latency path): the inbox claim with the invoice and line locks (batchLocks), the
 * books with their posted totals, and one write of books, entries and revenue events
 * (writePostings). Costs: one test database, five batches.
 */
describe('revenue batch round trips', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('applies a batch in 3 statements, for new invoices and for invoices that already have entries', async () => {
    const ctx = { correlationId: 'c', actor: 'test' };
    const created = (id: string) => ({
      type: 'InvoiceCreated' as const, aggregateId: id, aggregateVersion: 1, occurredAt: '2026-01-01',
      data: { customerId: 'cus', currency: 'USD', lines: [{ lineId: 'l1', kind: 'revenue', description: '', amount: 12000, servicePeriod: { start: '2026-01-01', end: '2027-01-01' } }] },
    });
    const paid = (id: string) => ({ type: 'InvoicePaid' as const, aggregateId: id, occurredAt: '2026-01-05', data: { paymentId: `p_${id}`, amount: 12000 } });
    const job = (e: StoredEvent): BatchJob => ({ id: uuidv7(), retryCount: 0, data: e });
    const counter = new CountStatements();
    const db = t.db.withPlugin(counter);
    const opts = { queue: 'revenue', log: silentLogger, now: () => new Date('2026-01-10T12:00:00Z') };
    const run = async (events: StoredEvent[]) => {
      counter.count = 0;
      const results = await applyBatch(db, revenueSubscriber, events.map(job), opts);
      expect(results.map((r) => r.status)).toEqual(events.map(() => 'completed'));
      return counter.count;
    };

    const one = (await appendEvents(t.db, [created('inv_1')], ctx)).map((r) => r.event);
    expect(await run(one)).toBe(3);
    const many = (await appendEvents(t.db, ['inv_2', 'inv_3', 'inv_4'].map(created), ctx)).map((r) => r.event);
    expect(await run(many)).toBe(3);
    const payments = (await appendEvents(t.db, ['inv_1', 'inv_2'].map(paid), ctx)).map((r) => r.event);
    expect(await run(payments)).toBe(3);

    // The API's InvoicePaid repeats the payment its InvoicePaymentReceived brought (same
    // id, same day): against the book's snapshot it changes nothing, so it costs no read
    // of the invoice's history (a fourth statement, and a full re-fold, before).
    const payment = { paymentId: 'p_inv_3', amount: 12000 };
    const received = (await appendEvents(t.db, [{ type: 'InvoicePaymentReceived' as const, aggregateId: 'inv_3', occurredAt: '2026-01-05', data: payment }], ctx)).map((r) => r.event);
    expect(await run(received)).toBe(3);
    const repeated = (await appendEvents(t.db, [{ type: 'InvoicePaid' as const, aggregateId: 'inv_3', occurredAt: '2026-01-05', data: payment }], ctx)).map((r) => r.event);
    expect(await run(repeated)).toBe(3);
  });
});
