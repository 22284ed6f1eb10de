import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeferDelivery } from '../../../src/bus/contract/deferDelivery.ts';
import type { Subscriber } from '../../../src/bus/contract/subscriber.ts';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { getStatus, waitUntilDrained } from '../../../src/bus/operator/getStatus.ts';
import { startRelay, type RelayHandle } from '../../../src/bus/relay/startRelay.ts';
import { startWorker, type WorkerHandle } from '../../../src/bus/worker/startWorker.ts';
import { appendInvoices, createEffectsTable, effectCounts, testSettings } from '../../helpers/busTestKit.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';

describe('DeferDelivery', () => {
  let t: TestDatabase;
  let relay: RelayHandle;
  let worker: WorkerHandle;
  const calls = new Map<string, number[]>();
  // Like a subscriber whose breaker is open on the first try: "later, please".
  const hesitant: Subscriber = {
    name: 'hesitant',
    external: true,
    eventTypes: ['InvoiceCreated'],
    async handle(event, { db }) {
      const seen = calls.get(event.eventId) ?? [];
      calls.set(event.eventId, [...seen, Date.now()]);
      await sql`INSERT INTO test_effects (subscriber, event_id) VALUES ('hesitant', ${event.eventId})`.execute(db);
      if (seen.length === 0) throw new DeferDelivery(1, 'breaker open');
    },
  };

  beforeAll(async () => {
    t = await createTestDatabase();
    await createEffectsTable(t.db);
    // retryLimit 0: if a deferral counted as a failure, the event would be archived at once.
    const settings = testSettings({ queue: { retryLimit: 0 } });
    worker = await startWorker({ url: t.url, subscribers: [hesitant], settings, log: silentLogger });
    relay = await startRelay({ url: t.url, subscribers: [hesitant], settings, log: silentLogger });
  });
  afterAll(async () => {
    await relay?.stop();
    await worker?.stop();
    await t.drop();
  });

  it('runs the event again later without counting a failure, and applies it once', async () => {
    const ids = await appendInvoices(t.db, 0, 5);
    await waitUntilDrained(t.db, { timeoutMs: 20_000 });
    const counts = await effectCounts(t.db, 'hesitant');
    expect(ids.filter((id) => counts.get(id) !== 1)).toEqual([]);
    for (const id of ids) {
      const [first, second] = calls.get(id)!;
      expect(calls.get(id)).toHaveLength(2);
      expect(second! - first!).toBeGreaterThanOrEqual(900); // startAfter 1 s
    }
    expect(await t.db.selectFrom('failed_attempts').selectAll().execute()).toEqual([]);
    expect((await getStatus(t.db)).archive.total).toBe(0);
  });
});
