import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RefuseEvent } from '../../../src/bus/contract/refuseEvent.ts';
import type { Subscriber } from '../../../src/bus/contract/subscriber.ts';
import { appendEvents } from '../../../src/events/appendEvents.ts';
import type { StoredEvent } from '../../../src/events/envelope.ts';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { applyBatch, type BatchJob } from '../../../src/bus/worker/applyBatch.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';

/**
 * A handler throwing RefuseEvent: the event can never apply, so the job is settled
 * 'deadletter' (pg-boss skips the retries and sends it to the archive queue) and
 * marked poison with the handler's reason, alone or beside events that apply; the
 * handler sees the injected clock, and failed_attempts is stamped with it. Costs: one test database, two batches.
 */
describe('applyBatch and RefuseEvent', () => {
  let t: TestDatabase;
  const seen: Date[] = [];
  const refused = new Set<string>();
  const subscriber: Subscriber = {
    name: 'refusing',
    eventTypes: ['InvoiceReminderSent'],
    async handle(event, ctx) {
      seen.push(ctx.now);
      if (refused.has(event.eventId)) throw new RefuseEvent(`refusing ${event.aggregateId} for good`);
    },
  };
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('settles a refused event as deadletter + poison without retries; its neighbours complete', async () => {
    const append = async (invoiceId: string): Promise<StoredEvent> =>
      (await appendEvents(t.db, [{ type: 'InvoiceReminderSent', aggregateId: invoiceId, occurredAt: '2026-01-01', data: { channel: 'email' } }], { correlationId: 'c', actor: 'test' }))[0]!.event;
    const [a, b, c] = [await append('inv_a'), await append('inv_b'), await append('inv_c')];
    refused.add(b.eventId).add(c.eventId);
    const job = (e: StoredEvent): BatchJob => ({ id: uuidv7(), retryCount: 0, data: e });
    const clock = new Date('2019-01-20T12:00:00Z');
    const opts = { queue: 'refusing', log: silentLogger, now: () => clock };

    const [ja, jb] = [job(a), job(b)];
    expect(await applyBatch(t.db, subscriber, [ja, jb], opts)).toEqual([
      { id: ja.id, status: 'completed' },
      { id: jb.id, status: 'deadletter', output: expect.objectContaining({ message: 'refusing inv_b for good', poison: true, attempt: 1 }) },
    ]);
    const jc = job(c);
    expect(await applyBatch(t.db, subscriber, [jc], opts)).toEqual([
      { id: jc.id, status: 'deadletter', output: expect.objectContaining({ message: 'refusing inv_c for good', poison: true, attempt: 1 }) },
    ]);
    const attempts = await t.db.selectFrom('failed_attempts').select(['event_id', 'poison', 'started_at']).where('subscriber', '=', 'refusing').orderBy('event_id').execute();
    // started_at is the batch's start on the injected clock, as the handlers see it.
    expect(attempts).toEqual([{ event_id: b.eventId, poison: true, started_at: clock }, { event_id: c.eventId, poison: true, started_at: clock }]);
    expect(new Set(seen)).toEqual(new Set([clock]));
  });
});
