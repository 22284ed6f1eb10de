import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Subscriber } from '../../../src/bus/contract/subscriber.ts';
import { appendEvents } from '../../../src/events/appendEvents.ts';
import type { StoredEvent } from '../../../src/events/envelope.ts';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { applyBatch, type BatchJob } from '../../../src/bus/worker/applyBatch.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';

// Like the revenue ledger: a lock per invoice, held to the end of the transaction.
// A deadlock rolls a batch back and runs it again event by event, so it shows as a
// second handler call.
const calls = new Map<string, number>();
const lockingSubscriber: Subscriber = {
  name: 'locking',
  eventTypes: ['InvoiceReminderSent'],
  async handle(event, { db }) {
    calls.set(event.eventId, (calls.get(event.eventId) ?? 0) + 1);
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${event.aggregateId}, 0))`.execute(db);
    await sql`SELECT pg_sleep(0.2)`.execute(db);
  },
};

describe('two batches in flight with the same invoices in opposite orders', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.drop();
  });

  it('take the invoice locks in one order: no deadlock, nothing fails', async () => {
    const append = async (invoiceId: string): Promise<StoredEvent> =>
      (await appendEvents(t.db, [{ type: 'InvoiceReminderSent', aggregateId: invoiceId, occurredAt: '2026-01-01', data: { channel: 'email' } }], { correlationId: 'c', actor: 'test' }))[0]!.event;
    const a1 = await append('inv_a');
    const b1 = await append('inv_b');
    const a2 = await append('inv_a');
    const b2 = await append('inv_b');
    const job = (e: StoredEvent): BatchJob => ({ id: e.eventId, retryCount: 0, data: e });
    const [first, second] = await Promise.all([
      applyBatch(t.db, lockingSubscriber, [job(a1), job(b1)], { queue: 'locking', log: silentLogger, now: () => new Date() }),
      applyBatch(t.db, lockingSubscriber, [job(b2), job(a2)], { queue: 'locking', log: silentLogger, now: () => new Date() }),
    ]);
    expect([...first!, ...second!].map((r) => r.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
    expect([a1, b1, a2, b2].map((e) => calls.get(e.eventId))).toEqual([1, 1, 1, 1]);
  });
});
