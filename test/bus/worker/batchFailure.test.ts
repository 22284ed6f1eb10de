import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Subscriber } from '../../../src/bus/contract/subscriber.ts';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { waitUntilDrained } from '../../../src/bus/operator/getStatus.ts';
import { startRelay, type RelayHandle } from '../../../src/bus/relay/startRelay.ts';
import { startWorker, type WorkerHandle } from '../../../src/bus/worker/startWorker.ts';
import { appendInvoices, createEffectsTable, effectCounts, testSettings } from '../../helpers/busTestKit.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';

/** Fails `target` on its first call only; counts every call per event. */
function failingOnce(name: string, external: boolean, calls: Map<string, number>, target: () => string): Subscriber {
  return {
    name,
    external,
    eventTypes: ['InvoiceCreated'],
    async handle(event, { db }) {
      const n = (calls.get(event.eventId) ?? 0) + 1;
      calls.set(event.eventId, n);
      await sql`INSERT INTO test_effects (subscriber, event_id) VALUES (${name}, ${event.eventId})`.execute(db);
      if (event.eventId === target() && n === 1) throw new Error('first try fails');
    },
  };
}

describe('one failing event in a batch', () => {
  let t: TestDatabase;
  let relay: RelayHandle;
  let worker: WorkerHandle;
  let target = '';
  const insideCalls = new Map<string, number>();
  const outsideCalls = new Map<string, number>();
  const inside = failingOnce('inside', false, insideCalls, () => target);
  const outside = failingOnce('outside', true, outsideCalls, () => target);

  beforeAll(async () => {
    t = await createTestDatabase();
    await createEffectsTable(t.db);
    // One worker slot and a big batch, so the 40 events share a batch.
    const settings = testSettings({ worker: { batchSize: 100, concurrency: 1 } });
    worker = await startWorker({ url: t.url, subscribers: [inside, outside], settings, log: silentLogger });
    await new Promise((r) => setTimeout(r, 100));
    relay = await startRelay({ url: t.url, subscribers: [inside, outside], settings, log: silentLogger });
  });
  afterAll(async () => {
    await relay?.stop();
    await worker?.stop();
    await t.drop();
  });

  it('holds back only that event; an external subscriber is called once per event in the batch', async () => {
    const ids = await appendInvoicesWithTarget();
    await waitUntilDrained(t.db, { timeoutMs: 30_000 });
    for (const name of ['inside', 'outside']) {
      const counts = await effectCounts(t.db, name);
      expect(ids.filter((id) => counts.get(id) !== 1)).toEqual([]);
    }
    // External: no neighbour's failure repeats its call; only the failing event runs twice.
    expect(ids.filter((id) => id !== target && outsideCalls.get(id) !== 1)).toEqual([]);
    expect(outsideCalls.get(target)).toBe(2);
    const attempts = await t.db.selectFrom('failed_attempts').select(['subscriber', 'event_id', 'attempt']).orderBy('subscriber').execute();
    // 'inside' rolled the batch back and re-ran it event by event, where the target's
    // second call passed: no failed attempt. 'outside' ran event by event from the start.
    expect(insideCalls.get(target)).toBe(2);
    expect(attempts).toEqual([{ subscriber: 'outside', event_id: target, attempt: 1 }]);
  });

  async function appendInvoicesWithTarget(): Promise<string[]> {
    // Decide the target before the relay can deliver: append in a transaction.
    return t.db.transaction().execute(async (tx) => {
      const ids = await appendInvoices(tx, 0, 40);
      target = ids[17]!;
      return ids;
    });
  }
});
