import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEvents } from '../../../src/events/appendEvents.ts';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { startRelay } from '../../../src/bus/relay/startRelay.ts';
import { appendInvoices, invoiceCreated, testSettings } from '../../helpers/busTestKit.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';

const subscribers = [
  { name: 'alpha', eventTypes: ['InvoiceCreated'] as const },
  { name: 'beta', eventTypes: ['InvoiceCreated', 'CustomerCreated'] as const },
];

/** eventId -> how many jobs carry it, per queue. */
async function jobsPerEvent(t: TestDatabase, queue: string): Promise<Map<string, number>> {
  const { rows } = await sql<{ id: string; n: number }>`
    SELECT data->>'eventId' AS id, count(*)::int AS n FROM pgboss.job WHERE name = ${queue} GROUP BY 1`.execute(t.db);
  return new Map(rows.map((r) => [r.id, r.n]));
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('relay', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.drop();
  });

  it('relays an event committed 5 s after a thousand later-committed ones', async () => {
    // Poll far away (60 s): the late event must arrive through NOTIFY, not a lucky poll.
    const relay = await startRelay({ url: t.url, subscribers, settings: testSettings({ relay: { pollMs: 60_000 } }), log: silentLogger });
    try {
      let lateId = '';
      let releaseLate!: () => void;
      const lateWritten = new Promise<void>((resolve) => {
        releaseLate = resolve;
      });
      let signalAppended!: () => void;
      const appended = new Promise<void>((r) => (signalAppended = r));
      // Takes its position first, commits last.
      const late = t.db.transaction().execute(async (tx) => {
        const [r] = await appendEvents(tx, [invoiceCreated(-1)], { correlationId: 'late', actor: 'test' });
        lateId = r!.event.eventId;
        signalAppended();
        await lateWritten;
      });
      await appended;
      const early: string[] = [];
      for (let i = 0; i < 10; i++) early.push(...(await appendInvoices(t.db, i * 100, 100)));
      await waitFor(async () => (await jobsPerEvent(t, 'alpha')).size === 1000);
      const latePosition = await sql<{ p: number }>`SELECT position AS p FROM events WHERE event_id = ${lateId}`.execute(t.db);
      expect(latePosition.rows).toHaveLength(0); // still uncommitted, invisible
      await new Promise((r) => setTimeout(r, 5000));
      releaseLate();
      await late;
      await waitFor(async () => (await jobsPerEvent(t, 'alpha')).has(lateId), 10_000);
      for (const queue of ['alpha', 'beta']) {
        const jobs = await jobsPerEvent(t, queue);
        expect(jobs.size).toBe(1001);
        expect([...jobs.values()].every((n) => n === 1)).toBe(true);
      }
      const positions = await sql<{ late: number; max: number }>`
        SELECT (SELECT position FROM events WHERE event_id = ${lateId}) AS late, max(position) AS max FROM events`.execute(t.db);
      expect(Number(positions.rows[0]!.late)).toBeLessThan(Number(positions.rows[0]!.max)); // it really was out of order
    } finally {
      await relay.stop();
    }
  });

  it('two relays at once enqueue each (event, subscriber) exactly once', async () => {
    await sql`DELETE FROM pgboss.job WHERE name IN ('alpha', 'beta')`.execute(t.db);
    const settings = testSettings({ relay: { batchSize: 50, pollMs: 100 } });
    const relays = await Promise.all([
      startRelay({ url: t.url, subscribers, settings, log: silentLogger, loops: 2 }),
      startRelay({ url: t.url, subscribers, settings, log: silentLogger, loops: 2 }),
    ]);
    try {
      const writers = Array.from({ length: 20 }, (_, w) => (async () => {
        const ids: string[] = [];
        for (let b = 0; b < 10; b++) ids.push(...(await appendInvoices(t.db, 10_000 + w * 1000 + b * 10, 10)));
        return ids;
      })());
      const ids = (await Promise.all(writers)).flat();
      await waitFor(async () => {
        const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM outbox`.execute(t.db);
        return rows[0]!.n === 0;
      });
      for (const queue of ['alpha', 'beta']) {
        const jobs = await jobsPerEvent(t, queue);
        expect(jobs.size).toBe(2000);
        expect(ids.filter((id) => jobs.get(id) !== 1)).toEqual([]);
      }
    } finally {
      await Promise.all(relays.map((r) => r.stop()));
    }
  });

  it('relays events recorded before the months its claim looks in first (a relay back after a long outage)', async () => {
    await sql`DELETE FROM pgboss.job WHERE name IN ('alpha', 'beta')`.execute(t.db);
    const ids = await appendInvoices(t.db, 50_000, 30);
    // Its clock a year ahead: every event in the outbox is older than recentEventsFrom,
    // so none is found among the recent partitions and all come by the second statement.
    const relay = await startRelay({ url: t.url, subscribers, settings: testSettings(), log: silentLogger, now: () => new Date(Date.now() + 365 * 86_400_000) });
    try {
      await waitFor(async () => (await jobsPerEvent(t, 'alpha')).size === ids.length);
      for (const queue of ['alpha', 'beta']) {
        const jobs = await jobsPerEvent(t, queue);
        expect([...jobs.keys()].sort()).toEqual([...ids].sort());
        expect([...jobs.values()].every((n) => n === 1)).toBe(true);
      }
    } finally {
      await relay.stop();
    }
  });
});
