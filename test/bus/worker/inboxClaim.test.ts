import pg from 'pg';
import { sql } from 'kysely';
import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Subscriber } from '../../../src/bus/contract/subscriber.ts';
import { applyBatch, type BatchJob } from '../../../src/bus/worker/applyBatch.ts';
import { claimInbox } from '../../../src/bus/worker/inboxAndFailures.ts';
import { connect, type DbHandle } from '../../../src/db/connect.ts';
import { appendEvents } from '../../../src/events/appendEvents.ts';
import type { StoredEvent } from '../../../src/events/envelope.ts';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';

/**
 * The inbox claim's two ways with a row already there (InboxConflict): both leave out a
 * row committed before the claim and never insert one twice; a worker batch of several
 * events writes two WAL records a new row (heap, index), not three (no speculative
 * insertion), and one whose row a concurrent claim commits meanwhile falls back to event
 * by event, where that event is skipped: applied once, no failed attempt.
 */
describe('the inbox claim', () => {
  let t: TestDatabase;
  // One connection: its own WAL counters are the claim's (PostgreSQL 18's per-backend statistics).
  let one: DbHandle;
  const batches: string[][] = [];
  const handled: string[] = [];
  const subscriber: Subscriber = {
    name: 'claims',
    eventTypes: ['InvoiceReminderSent'],
    async handle(event) {
      handled.push(event.eventId);
    },
    async handleBatch(events) {
      batches.push(events.map((e) => e.eventId));
    },
  };
  const opts = { queue: 'claims', log: silentLogger, now: () => new Date() };
  const job = (e: StoredEvent): BatchJob => ({ id: uuidv7(), retryCount: 0, data: e });
  const append = async (n: number) =>
    (
      await appendEvents(
        t.db,
        Array.from({ length: n }, (_, i) => ({ type: 'InvoiceReminderSent' as const, aggregateId: `inv_claim_${uuidv7()}_${i}`, occurredAt: '2026-01-01', data: { channel: 'email' } })),
        { correlationId: 'c', actor: 'test' },
      )
    ).map((r) => r.event);

  beforeAll(async () => {
    t = await createTestDatabase();
    one = connect(t.url, { max: 1 });
  });
  afterAll(async () => {
    await one?.close();
    await t?.drop();
  });

  it('returns only the new ids, whichever way it meets a row already there', async () => {
    const [a, b, c] = [uuidv7(), uuidv7(), uuidv7()];
    const claim = (ids: string[], conflict: 'skip' | 'fail') => t.db.transaction().execute((tx) => claimInbox(tx, 'claims', ids, undefined, conflict));
    expect(await claim([a], 'skip')).toEqual(new Set([a]));
    expect(await claim([a, b], 'fail')).toEqual(new Set([b]));
    expect(await claim([a, b, c], 'skip')).toEqual(new Set([c]));
    expect(await claim([a, b, c], 'fail')).toEqual(new Set());
  });

  it('writes two WAL records per new inbox row for a batch of several events', async (ctx) => {
    // A backend's own WAL counters came with PostgreSQL 18 (the embedded server); on an older DATABASE_URL server the test shows as skipped.
    const { rows: version } = await sql<{ n: number }>`SELECT current_setting('server_version_num')::int AS n`.execute(one.db);
    if (version[0]!.n < 180000) ctx.skip();
    const events = await append(100);
    const records = async () => {
      await sql`SELECT pg_stat_force_next_flush()`.execute(one.db);
      const { rows } = await sql<{ n: string }>`SELECT wal_records::text AS n FROM pg_stat_get_backend_wal(pg_backend_pid())`.execute(one.db);
      return Number(rows[0]!.n);
    };
    await records();
    const before = await records();
    const results = await applyBatch(one.db, subscriber, events.map(job), opts);
    const perRow = ((await records()) - before) / events.length;
    expect(results.every((r) => r.status === 'completed')).toBe(true);
    // heap insert + index insert, and the commit's record shared by the batch (was 3: the speculative insertion's confirmation).
    expect(perRow).toBeGreaterThanOrEqual(2);
    expect(perRow).toBeLessThan(2.5);
  });

  it('applies each event once when a concurrent claim commits one of the batch meanwhile', async () => {
    const [first, second] = await append(2);
    const other = new pg.Client({ connectionString: t.url });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query(`INSERT INTO inbox (subscriber, event_id) VALUES ('claims', $1)`, [second!.eventId]);
      const applying = applyBatch(t.db, subscriber, [job(first!), job(second!)], opts);
      // The batch's claim waits for this row, then meets it committed.
      await new Promise((r) => setTimeout(r, 300));
      await other.query('COMMIT');
      const results = await applying;
      expect(results.map((r) => r.status)).toEqual(['completed', 'completed']);
    } finally {
      await other.end();
    }
    // Once: in the batch's handleBatch or, after the batch failed on the second's row, in handle().
    expect([...batches.flat(), ...handled].filter((id) => id === first!.eventId)).toHaveLength(1);
    expect([...batches.flat(), ...handled]).not.toContain(second!.eventId);
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM failed_attempts`.execute(t.db);
    expect(rows[0]!.n).toBe(0);
    const inbox = await sql<{ n: number }>`SELECT count(*)::int AS n FROM inbox WHERE subscriber = 'claims' AND event_id IN (${first!.eventId}, ${second!.eventId})`.execute(t.db);
    expect(inbox.rows[0]!.n).toBe(2);
  });
});
