import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEvents, appendEventSet } from '../../src/events/appendEvents.ts';
import { invoiceCreated } from '../helpers/busTestKit.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase.ts';

const ctx = { correlationId: 'corr-prepared', actor: 'test' };

// One pooled connection: every append and the look at pg_prepared_statements share it.
describe('appendEvents as a named prepared statement', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase({ poolMax: 1 });
  });
  afterAll(async () => {
    await t.drop();
  });

  const prepared = async () =>
    (await sql<{ name: string }>`SELECT name FROM pg_prepared_statements WHERE name LIKE 'accrue_append_%' ORDER BY name`.execute(t.db)).rows.map((r) => r.name);

  it('is parsed once per connection, one statement whatever the number of events, and still stores and queues each', async () => {
    const one = await appendEvents(t.db, [invoiceCreated(1)], ctx);
    const three = await appendEvents(t.db, [invoiceCreated(2), invoiceCreated(3), invoiceCreated(4)], ctx);
    expect(await appendEventSet(t.db, [invoiceCreated(5), invoiceCreated(6)], ctx)).toBe(2);
    expect(await prepared()).toEqual(['accrue_append_event_set_1', 'accrue_append_events_1']);
    expect(one.map((r) => r.inserted)).toEqual([true]);
    expect(three.map((r) => r.event.aggregateId)).toEqual(['inv_2', 'inv_3', 'inv_4']);
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM events e JOIN outbox o ON o.position = e.position WHERE e.correlation_id = ${ctx.correlationId}`.execute(t.db);
    expect(rows[0]!.n).toBe(6);
  });

  it('returns the stored event, not a new one, for an external id sent again', async () => {
    const event = { ...invoiceCreated(7), source: 'import', externalId: 'ext-7' };
    const [first] = await appendEvents(t.db, [event], ctx);
    const [again] = await appendEvents(t.db, [event], ctx);
    expect(again!.inserted).toBe(false);
    expect(again!.event.eventId).toBe(first!.event.eventId);
    expect(await prepared()).toEqual(['accrue_append_event_set_1', 'accrue_append_events_1']);
  });
});
