import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEvents } from '../../../src/events/appendEvents.ts';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { startRelay } from '../../../src/bus/relay/startRelay.ts';
import { registerSubscriptions } from '../../../src/bus/contract/subscriptions.ts';
import { invoiceCreated, testSettings } from '../../helpers/busTestKit.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';
import { waitFor } from '../../helpers/accrueProcess.ts';

type JobData = { positions?: number[]; recorded?: { from: string; before: string }; eventId?: string; data?: unknown; type?: string };

async function jobsOf(t: TestDatabase, queue: string): Promise<JobData[]> {
  const { rows } = await sql<{ data: JobData }>`SELECT data FROM pgboss.job WHERE name = ${queue} ORDER BY created_on, id`.execute(t.db);
  return rows.map((r) => r.data);
}

// A relay batch above the applier's size (here: any batch of more than one event, as the
// relay runs without an applier) is claimed without the events' data where bundles take
// them; the queues that get whole events (one-event jobs) must still get them whole.
describe('relay claim without the events data (batches that go to bundles)', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.drop();
  });

  it('bundles hold positions; a one-event job of a bundled queue and every job of a one-event-per-job queue carry the whole event', async () => {
    const bundled = [
      { name: 'alpha', eventTypes: ['InvoiceCreated', 'CustomerCreated'] as const },
      { name: 'gamma', eventTypes: ['CustomerCreated'] as const },
    ];
    const perEvent = { name: 'beta', eventTypes: ['InvoiceCreated'] as const, external: true };
    await registerSubscriptions(t.db, bundled, { bundles: true });
    await registerSubscriptions(t.db, [perEvent], { bundles: false });
    // One transaction: one relay batch of four events.
    const appended = await appendEvents(
      t.db,
      [
        invoiceCreated(1),
        invoiceCreated(2),
        { type: 'CustomerCreated' as const, aggregateId: 'cus_9', aggregateVersion: 1, occurredAt: '2026-01-01', data: { name: 'Ada', email: 'ada@example.com' } },
        invoiceCreated(3),
      ],
      { correlationId: 'claim', actor: 'test' },
    );
    const stored = appended.map((r) => r.event);
    const relay = await startRelay({ url: t.url, subscribers: [...bundled, perEvent], settings: testSettings(), log: silentLogger });
    try {
      await waitFor('the jobs of the batch', async () => (await jobsOf(t, 'beta')).length === 3 && (await jobsOf(t, 'gamma')).length === 1 && (await jobsOf(t, 'alpha')).length === 1);
      // With the span of their recorded_at (the worker reads them by their full key: eventBundle.ts).
      const recorded = stored.map((e) => e.recordedAt).sort();
      const before = new Date(Date.parse(recorded[3]!) + 1).toISOString();
      expect(await jobsOf(t, 'alpha')).toEqual([{ positions: stored.map((e) => e.position), recorded: { from: recorded[0], before } }]);
      const customer = stored[2]!;
      const [gamma] = await jobsOf(t, 'gamma');
      expect(gamma).toMatchObject({ eventId: customer.eventId, type: 'CustomerCreated', position: customer.position, data: { name: 'Ada', email: 'ada@example.com' } });
      const beta = await jobsOf(t, 'beta');
      expect(beta.map((j) => j.eventId).sort()).toEqual([stored[0], stored[1], stored[3]].map((e) => e!.eventId).sort());
      for (const job of beta) expect(job.data).toMatchObject({ customerId: 'cus_1', currency: 'USD' });
      const outbox = await sql<{ n: number }>`SELECT count(*)::int AS n FROM outbox`.execute(t.db);
      expect(outbox.rows[0]!.n).toBe(0);
    } finally {
      await relay.stop();
    }
  });
});
