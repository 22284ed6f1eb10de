import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Subscriber } from '../../../src/bus/contract/subscriber.ts';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { waitUntilDrained } from '../../../src/bus/operator/getStatus.ts';
import { startRelay, type RelayHandle } from '../../../src/bus/relay/startRelay.ts';
import { startWorker, type WorkerHandle } from '../../../src/bus/worker/startWorker.ts';
import { appendInvoices, createEffectsTable, testSettings } from '../../helpers/busTestKit.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';

/**
 * A batch's jobs are completed in the transaction that applied them (one commit per
 * batch, not the batch's plus pg-boss's own): each job's completed_on (pg-boss's
 * job_now(), i.e. now()) equals its inbox row's processed_at (now()), which only
 * holds when both were written by one transaction. Checked for the batch path and
 * for the event-by-event path a failing neighbour forces. Costs: one test database,
 * a relay and a worker, 30 events.
 */
describe('job completion inside the batch transaction', () => {
  let t: TestDatabase;
  let relay: RelayHandle;
  let worker: WorkerHandle;
  let target = '';
  const calls = new Map<string, number>();
  const subscriber: Subscriber = {
    name: 'completing',
    eventTypes: ['InvoiceCreated'],
    async handle(event, { db }) {
      const n = (calls.get(event.eventId) ?? 0) + 1;
      calls.set(event.eventId, n);
      await sql`INSERT INTO test_effects (subscriber, event_id) VALUES ('completing', ${event.eventId})`.execute(db);
      if (event.eventId === target && n === 1) throw new Error('first try fails');
    },
  };

  beforeAll(async () => {
    t = await createTestDatabase();
    await createEffectsTable(t.db);
    const settings = testSettings({ worker: { batchSize: 100, concurrency: 1 } });
    worker = await startWorker({ url: t.url, subscribers: [subscriber], settings, log: silentLogger });
    relay = await startRelay({ url: t.url, subscribers: [subscriber], settings, log: silentLogger });
  });
  afterAll(async () => {
    await relay?.stop();
    await worker?.stop();
    await t?.drop();
  });

  it('stamps every completed job with its batch transaction’s time', async () => {
    await appendInvoices(t.db, 0, 10);
    await waitUntilDrained(t.db, { timeoutMs: 30_000 });
    // A batch whose 8th event fails once: rolled back, re-applied event by event.
    await t.db.transaction().execute(async (tx) => {
      const ids = await appendInvoices(tx, 100, 20);
      target = ids[7]!;
    });
    await waitUntilDrained(t.db, { timeoutMs: 30_000 });

    // Every job that applied its events (a bundle's or one event's; not a bundle split
    // into one job per event after its failure, which applied nothing).
    const { rows } = await sql<{ event_id: string; state: string; same_tx: boolean }>`
      SELECT i.event_id, j.state, j.completed_on = i.processed_at AS same_tx
      FROM pgboss.job j
      CROSS JOIN LATERAL (
        SELECT ev.event_id FROM events ev WHERE ev.position IN (SELECT jsonb_array_elements_text(j.data->'positions')::bigint)
        UNION ALL SELECT (j.data->>'eventId')::uuid WHERE NOT j.data ? 'positions'
      ) AS e(event_id)
      JOIN inbox i ON i.subscriber = 'completing' AND i.event_id = e.event_id
      WHERE j.name = 'completing' AND j.state = 'completed' AND (j.output->>'split') IS NULL`.execute(t.db);
    expect(rows).toHaveLength(30);
    expect(rows.filter((r) => !r.same_tx)).toEqual([]);
    expect(calls.get(target)).toBe(2);
  });
});
