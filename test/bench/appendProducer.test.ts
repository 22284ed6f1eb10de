import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAppendProducer, prepareAppends } from '../../bench/lib/appendProducer.ts';
import { invoiceEvents } from '../../bench/lib/invoiceEvents.ts';
import { connect, type DbHandle } from '../../src/db/connect.ts';
import { appendEvents } from '../../src/events/appendEvents.ts';
import { OUTBOX_CHANNEL } from '../../src/db/wakeRelay.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase.ts';

// The e2e figures' producer must give the server and the relay what appendEvents does:
// the same statement, the same rows, the relay's wake-up after the commits.
describe('appendProducer', () => {
  let t: TestDatabase;
  let handle: DbHandle;
  const ctx = { correlationId: 'bench-e2e', actor: 'bench' };
  const events = invoiceEvents(12, '2026-03-01', 'same');
  beforeAll(async () => {
    t = await createTestDatabase();
    handle = connect(t.url, { max: 1 });
  });
  afterAll(async () => {
    await handle.close();
    await t.drop();
  });

  it("prepares appendEvents' statement and writes the rows appendEvents writes, waking the relay", async () => {
    const viaAppendEvents = [];
    for (const e of events) viaAppendEvents.push(...(await appendEvents(handle.db, [e], ctx)));
    // One session (max 1): the statement appendEvents prepared on it.
    const { rows: prepared } = await sql<{ statement: string }>`SELECT statement FROM pg_prepared_statements WHERE name LIKE 'accrue_append_events%'`.execute(handle.db);
    const { text, appends } = prepareAppends(handle.db, events, ctx);
    expect(prepared.map((r) => r.statement)).toEqual([text]);

    const listener = new pg.Client({ connectionString: t.url });
    await listener.connect();
    const woken = new Promise<void>((resolve) => listener.on('notification', (n) => n.channel === OUTBOX_CHANNEL && resolve()));
    await listener.query(`LISTEN ${OUTBOX_CHANNEL}`);
    const producer = await openAppendProducer(t.url, text, 3);
    try {
      await Promise.all(appends.slice(0, 3).map((a) => producer.append(a)));
      for (const a of appends.slice(3)) await producer.append(a);
      await woken;
    } finally {
      await producer.close();
      await listener.end();
    }

    const ids = appends.map((a) => a.eventId);
    const stored = async (eventIds: string[]) => {
      const { rows } = await sql<Record<string, unknown>>`
        SELECT e.type, e.schema_version, e.aggregate_type, e.aggregate_id, e.aggregate_version, e.occurred_at, e.correlation_id,
               e.causation_id, e.traceparent, e.actor, e.source, e.external_id, e.data,
               (SELECT count(*)::int FROM event_keys k WHERE k.event_id = e.event_id AND k.position = e.position) AS keys,
               (SELECT count(*)::int FROM outbox o WHERE o.position = e.position) AS outbox
        FROM events e WHERE e.event_id = ANY(${eventIds}::uuid[]) ORDER BY e.aggregate_id, e.aggregate_version`.execute(handle.db);
      return rows;
    };
    const mine = await stored(ids);
    expect(mine).toHaveLength(events.length);
    expect(mine).toEqual(await stored(viaAppendEvents.map((r) => r.event.eventId)));
    expect(mine.every((r) => r.keys === 1)).toBe(true);
    // The stream's revenue-relevant types all get an outbox row, as through appendEvents.
    expect(mine.map((r) => r.outbox)).toEqual((await stored(viaAppendEvents.map((r) => r.event.eventId))).map((r) => r.outbox));
  });
});
