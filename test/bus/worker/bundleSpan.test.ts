import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { waitUntilDrained } from '../../../src/bus/operator/getStatus.ts';
import { startWorker, type WorkerHandle } from '../../../src/bus/worker/startWorker.ts';
import { startBoss } from '../../../src/bus/queues/startBoss.ts';
import { isBundle, jobsFor } from '../../../src/bus/queues/eventBundle.ts';
import { appendEvents, eventsInSpanQuery, readEventsAt } from '../../../src/events/appendEvents.ts';
import type { StoredEvent } from '../../../src/events/envelope.ts';
import { createEffectsTable, effectCounts, invoiceCreated, recordingSubscriber, testSettings } from '../../helpers/busTestKit.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';

/**
 * A bundle carries its events' span of recorded_at (the relay's, since issue 10's
 * twelfth step), and the worker reads them by their full key without asking event_keys
 * where each is; a bundle without it (an older relay's, during a rolling deploy) is
 * read through event_keys as before. To show which read served a bundle, event_keys
 * forgets the first bundle's events (the owner, with triggers off): only the read by
 * the span can find them. Costs: one test database, a worker, 6 events.
 */
describe('bundles read by the span of their recorded_at, and bundles without one', () => {
  let t: TestDatabase;
  let worker: WorkerHandle | undefined;
  let stored: StoredEvent[];
  const bundled = recordingSubscriber('bundled');
  const settings = testSettings();

  beforeAll(async () => {
    t = await createTestDatabase();
    await createEffectsTable(t.db);
    // Its queue made, the worker stops until the last test has sent its bundles.
    await (await startWorker({ url: t.url, subscribers: [bundled], settings, log: silentLogger })).stop();
    const appended = await appendEvents(t.db, [1, 2, 3, 4, 5, 6].map(invoiceCreated), { correlationId: 'span', actor: 'test' });
    stored = appended.map((r) => r.event);
    const forgotten = stored.slice(0, 2).map((e) => e.position);
    // No relay here: the outbox rows go as its claim would take them.
    await t.owner.transaction().execute(async (tx) => {
      await sql`SET LOCAL session_replication_role = replica`.execute(tx);
      await sql`DELETE FROM outbox`.execute(tx);
      await sql`DELETE FROM event_keys WHERE position = ANY(${forgotten}::bigint[])`.execute(tx);
    });
  });
  afterAll(async () => {
    await worker?.stop();
    await t?.drop();
  });

  it('reads events by their span without event_keys; through event_keys they are not found', async () => {
    const [bundle] = jobsFor(stored.slice(0, 2), true);
    if (!bundle || !isBundle(bundle) || !bundle.recorded) throw new Error('expected a bundle with its span');
    const positions = bundle.positions;
    expect((await readEventsAt(t.db, positions, { recorded: bundle.recorded })).map((e) => e.eventId)).toEqual(stored.slice(0, 2).map((e) => e.eventId));
    expect(await readEventsAt(t.db, positions, { recentFrom: '2020-01-01' })).toEqual([]);
    // One scan of the span's partition by its primary key; event_keys not in the plan.
    const plan = await sql<{ 'QUERY PLAN': string }>`EXPLAIN ${eventsInSpanQuery(positions, bundle.recorded)}`.execute(t.db);
    const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(text).not.toMatch(/event_keys/);
    expect(text).toMatch(/Index Scan using events_\d{4}_\d{2}_pkey/);
    expect(text.match(/ on events_/g)).toHaveLength(1);
  });

  it('a span that misses events costs a statement, not the events', async () => {
    const missing = { from: '2020-01-01T00:00:00.000Z', before: '2020-01-01T00:00:01.000Z' };
    const rest = stored.slice(2).map((e) => e.position);
    expect((await readEventsAt(t.db, rest, { recorded: missing, recentFrom: '2020-01-01' })).map((e) => e.eventId)).toEqual(stored.slice(2).map((e) => e.eventId));
    // Bundles with a span and without one read together (a rolling deploy): the span's
    // events by it (event_keys no longer knows them), the others through event_keys.
    const [bundle] = jobsFor(stored.slice(0, 2), true);
    const all = stored.map((e) => e.position);
    expect((await readEventsAt(t.db, all, { recorded: (bundle as { recorded: { from: string; before: string } }).recorded, recentFrom: '2020-01-01' })).map((e) => e.eventId)).toEqual(stored.map((e) => e.eventId));
  });

  it("the worker applies a relay's bundle with its span and an older relay's without one, read together, each event once", async () => {
    const boss = await startBoss(t.url, { role: 'relay', settings, log: silentLogger });
    try {
      const [withSpan] = jobsFor(stored.slice(0, 2), true);
      await boss.send('bundled', withSpan as object);
      await boss.send('bundled', { positions: stored.slice(2, 4).map((e) => e.position) });
      // A span that misses (a clock gone wrong by an hour): read through event_keys after it.
      // Within a day of the first bundle's, so the group is still read by the spans' union
      // (a union wider than a day is not used: recordedSpanOf).
      const { from } = (withSpan as { recorded: { from: string } }).recorded;
      const hoursBefore = (h: number) => new Date(Date.parse(from) - h * 3600_000).toISOString();
      await boss.send('bundled', { positions: stored.slice(4).map((e) => e.position), recorded: { from: hoursBefore(2), before: hoursBefore(1) } });
    } finally {
      await boss.stop();
    }
    // All three waiting: the worker's first fetch takes them, and applies them in one group (one read).
    worker = await startWorker({ url: t.url, subscribers: [bundled], settings, log: silentLogger });
    await waitUntilDrained(t.db, { timeoutMs: 60_000 });
    const applied = await effectCounts(t.db, 'bundled');
    expect(Object.fromEntries(applied)).toEqual(Object.fromEntries(stored.map((e) => [e.eventId, 1])));
    const failed = await sql<{ n: number }>`SELECT count(*)::int AS n FROM failed_attempts`.execute(t.db);
    expect(failed.rows[0]!.n).toBe(0);
  });
});
