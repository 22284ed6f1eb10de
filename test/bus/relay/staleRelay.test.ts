import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Subscriber } from '../../../src/bus/contract/subscriber.ts';
import { appendEvents } from '../../../src/events/appendEvents.ts';
import { createLogger, silentLogger } from '../../../src/telemetry/logger.ts';
import { waitUntilDrained } from '../../../src/bus/operator/getStatus.ts';
import { startRelay, type RelayHandle } from '../../../src/bus/relay/startRelay.ts';
import { renderMetrics } from '../../../src/telemetry/metrics.ts';
import { startWorker, type WorkerHandle } from '../../../src/bus/worker/startWorker.ts';
import { appendInvoices, createEffectsTable, effectCounts, recordingSubscriber, testSettings } from '../../helpers/busTestKit.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';

const invoicesOnly = (s: Subscriber): Subscriber => ({ ...s, eventTypes: ['InvoiceCreated'] });

describe('a relay whose subscriber list is stale', () => {
  let t: TestDatabase;
  let worker: WorkerHandle;
  let relay: RelayHandle;
  const lines: Record<string, unknown>[] = [];
  const settings = testSettings();
  const revenue = invoicesOnly(recordingSubscriber('revenue'));
  // Configured on the worker's host only (e.g. ACCRUE_WEBHOOK_URL set there and not on the relay's).
  const webhooks = invoicesOnly(recordingSubscriber('webhooks'));

  beforeAll(async () => {
    t = await createTestDatabase();
    await createEffectsTable(t.db);
    worker = await startWorker({ url: t.url, subscribers: [revenue, webhooks], settings, log: silentLogger });
    const log = createLogger({ level: 'info', destination: new Writable({ write: (c, _e, done) => { lines.push(JSON.parse(String(c))); done(); } }) });
    relay = await startRelay({ url: t.url, subscribers: [revenue], settings, log });
  });
  afterAll(async () => {
    await relay?.stop();
    await worker?.stop();
    await t?.drop();
  });

  it('routes every event to the subscribers the workers registered, not only those it knows', async () => {
    const ids = await appendInvoices(t.db, 0, 20);
    await waitUntilDrained(t.db, { timeoutMs: 20_000 });
    for (const name of ['revenue', 'webhooks']) {
      const counts = await effectCounts(t.db, name);
      expect(ids.filter((id) => counts.get(id) !== 1), name).toEqual([]);
    }
    const { rows } = await sql<{ subscriber: string }>`SELECT DISTINCT subscriber FROM subscriptions ORDER BY 1`.execute(t.db);
    expect(rows.map((r) => r.subscriber)).toEqual(['revenue', 'webhooks']);
  });

  it('counts and logs (once per type) events no subscription takes; they stay in the event store', async () => {
    const appended = await appendEvents(
      t.db,
      [1, 2].map((i) => ({ type: 'CustomerCreated' as const, aggregateId: `cus_${i}`, aggregateVersion: 1, occurredAt: '2026-01-01', data: { name: 'Ada', email: 'ada@example.com' } })),
      { correlationId: 'c-unrouted', actor: 'test' },
    );
    await waitUntilDrained(t.db, { timeoutMs: 20_000 });
    const { body } = await renderMetrics();
    expect(body).toMatch(/accrue_relay_unrouted_events_total\{event_type="CustomerCreated"\} 2/);
    expect(lines.filter((l) => l.eventType === 'CustomerCreated' && String(l.msg).includes('no subscription takes'))).toHaveLength(1);
    const stored = await t.db.selectFrom('events').select('event_id').where('event_id', 'in', appended.map((a) => a.event.eventId)).execute();
    expect(stored).toHaveLength(2);
  });
});
