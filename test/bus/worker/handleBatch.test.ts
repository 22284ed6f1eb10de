import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Subscriber } from '../../../src/bus/contract/subscriber.ts';
import { appendEvents } from '../../../src/events/appendEvents.ts';
import type { StoredEvent } from '../../../src/events/envelope.ts';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { applyBatch, type BatchJob } from '../../../src/bus/worker/applyBatch.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';

/**
 * The worker's use of the optional handleBatch: one call with the batch's fresh
 * events in aggregate order (an event already in the inbox is left out, a duplicate
 * passed once); when it throws, the batch rolls back and handle() runs event by
 * event, so only the bad event fails. Costs: one test database, three batches.
 */
describe('applyBatch with a subscriber that has handleBatch', () => {
  let t: TestDatabase;
  const batches: string[][] = [];
  const handled: string[] = [];
  let bad: string | null = null;
  const subscriber: Subscriber = {
    name: 'batching',
    eventTypes: ['InvoiceReminderSent'],
    async handle(event) {
      if (event.eventId === bad) throw new Error('bad event');
      handled.push(event.aggregateId);
    },
    async handleBatch(events) {
      batches.push(events.map((e) => e.aggregateId));
      if (events.some((e) => e.eventId === bad)) throw new Error('bad event in batch');
    },
  };
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('gets one call per batch; a failing batch falls back to handle() per event', async () => {
    const append = async (invoiceId: string): Promise<StoredEvent> =>
      (await appendEvents(t.db, [{ type: 'InvoiceReminderSent', aggregateId: invoiceId, occurredAt: '2026-01-01', data: { channel: 'email' } }], { correlationId: 'c', actor: 'test' }))[0]!.event;
    const [c, a, b, d] = [await append('inv_c'), await append('inv_a'), await append('inv_b'), await append('inv_d')];
    const job = (e: StoredEvent): BatchJob => ({ id: uuidv7(), retryCount: 0, data: e });
    const opts = { queue: 'batching', log: silentLogger, now: () => new Date() };

    const first = await applyBatch(t.db, subscriber, [job(c!), job(a!), job(c!)], opts);
    expect(first.map((r) => r.status)).toEqual(['completed', 'completed', 'completed']);
    expect(batches).toEqual([['inv_a', 'inv_c']]);

    // a is already in the inbox: only b and d are fresh; d is bad.
    bad = d!.eventId;
    const second = await applyBatch(t.db, subscriber, [job(d!), job(a!), job(b!)], opts);
    expect(second.map((r) => r.status)).toEqual(['failed', 'completed', 'completed']);
    expect(batches).toEqual([['inv_a', 'inv_c'], ['inv_b', 'inv_d']]);
    expect(handled).toEqual(['inv_b']);
  });
});
