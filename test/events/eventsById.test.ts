import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCircuitBreaker } from '../../src/bus/breaker/circuitBreaker.ts';
import { cursorOfEvent } from '../../src/bus/nats/forwarderPosition.ts';
import { createHistoryPartitions } from '../../src/db/createHistoryPartitions.ts';
import { readEventById } from '../../src/events/appendEvents.ts';
import { findChangedDuplicates } from '../../src/invoices/imports/findChangedDuplicates.ts';
import { findInvoiceConflict } from '../../src/invoices/imports/findInvoiceConflicts.ts';
import { deliverPendingNotices } from '../../src/subscribers/notifications/deliverNotices.ts';
import type { NotificationChannel } from '../../src/subscribers/notifications/notificationChannel.ts';
import type { NotificationMessage } from '../../src/subscribers/notifications/renderNotification.ts';
import { isEndpointFailure } from '../../src/subscribers/postJson.ts';
import { deliverWebhook } from '../../src/subscribers/webhooks/deliverWebhook.ts';
import { createDeliveries } from '../../src/subscribers/webhooks/fanOutDeliveries.ts';
import { createEndpoint } from '../../src/subscribers/webhooks/endpoints/manageEndpoints.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase.ts';

// Integration, real Postgres. Every reader of an event by id goes through event_keys
// (event_id UNIQUE -> position, recorded_at) to the event's full key: one partition read,
// not events_event_id probed in every month's. The events read here sit in a partition
// years old, beside others made ahead.
describe('events read by id through event_keys, from an old partition', () => {
  let t: TestDatabase;
  const OLD = new Date('2019-03-04T10:00:00Z');
  const lines = [{ lineId: 'l1', kind: 'revenue', description: 'Plan', amount: 3100, servicePeriod: { start: '2019-03-01', end: '2019-04-01' } }];
  const created = { customerId: 'cus_old', currency: 'USD', lines };
  let first: { event_id: string; position: string; tx: string };
  let second: { event_id: string; position: string };

  /** Stores an event recorded at `recordedAt` (what an install running since then holds). */
  async function storeEvent(type: string, recordedAt: Date, data: Record<string, unknown>, causationId: string | null = null) {
    const { rows } = await sql<{ event_id: string; position: string; tx: string }>`
      INSERT INTO events (event_id, type, schema_version, aggregate_type, aggregate_id, aggregate_version, occurred_at, recorded_at, correlation_id, causation_id, actor, source, data)
      VALUES (gen_random_uuid(), ${type}, 1, 'invoice', 'inv_old', ${type === 'InvoiceCreated' ? 1 : null}, '2019-03-04', ${recordedAt}, 'c-old', ${causationId}, 'test', 'api', ${JSON.stringify(data)}::jsonb)
      RETURNING event_id, position::text, tx_id::text AS tx`.execute(t.db);
    return rows[0]!;
  }

  beforeAll(async () => {
    t = await createTestDatabase();
    // Months made ahead: partitions a read by id must not visit.
    await createHistoryPartitions(t.db, { now: new Date('2031-05-10T00:00:00Z'), monthsAhead: 1 });
    first = await storeEvent('InvoiceCreated', OLD, created);
    second = await storeEvent('InvoiceCreated', new Date(OLD.getTime() + 60_000), { ...created, currency: 'EUR' });
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('stores the events in a partition of their own month, not the current one', async () => {
    const where = await sql<{ partition: string }>`SELECT tableoid::regclass::text AS partition FROM events WHERE position = ${first.position}::bigint`.execute(t.db);
    const current = `events_${new Date().toISOString().slice(0, 7).replace('-', '_')}`;
    expect(where.rows[0]!.partition).not.toBe(current);
    expect(where.rows[0]!.partition).not.toBe('events_default');
  });

  it('reads the event, its feed cursor, and compares an import with it (changed duplicate, second InvoiceCreated)', async () => {
    const event = await readEventById(t.db, first.event_id);
    expect(event).toMatchObject({ eventId: first.event_id, type: 'InvoiceCreated', recordedAt: OLD.toISOString(), data: created });
    expect(await readEventById(t.db, '00000000-0000-0000-0000-000000000000')).toBeUndefined();
    expect(await cursorOfEvent(t.db, first.event_id)).toEqual({ tx: BigInt(first.tx), position: BigInt(first.position) });
    // The lookup docs/audit.md gives operators: a plain join, one partition read (run-time pruning).
    const plan = await sql<{ 'QUERY PLAN': unknown }>`
      EXPLAIN (ANALYZE, FORMAT JSON) SELECT e.* FROM event_keys k JOIN events e USING (position, recorded_at) WHERE k.event_id = ${first.event_id}::uuid`.execute(t.db);
    const read = new Set<string>();
    const walk = (n: unknown): void => {
      if (Array.isArray(n)) return n.forEach(walk);
      if (!n || typeof n !== 'object') return;
      const node = n as Record<string, unknown>;
      if (node['Actual Loops'] === 0) return;
      if (typeof node['Relation Name'] === 'string' && node['Relation Name'].startsWith('events')) read.add(node['Relation Name']);
      Object.values(node).forEach(walk);
    };
    walk(plan.rows[0]!['QUERY PLAN']);
    expect(read.size).toBe(1);

    const content = { storedEventId: first.event_id, type: 'InvoiceCreated', occurredAt: '2019-03-04', aggregateId: 'inv_old', aggregateVersion: 1 };
    expect(await findChangedDuplicates(t.db, [{ index: 0, ...content, data: created }, { index: 1, ...content, data: { ...created, currency: 'GBP' } }])).toEqual([1]);
    expect(await findInvoiceConflict(t.db, [{ index: 3, storedEventId: second.event_id }])).toMatchObject({ index: 3, kind: 'created' });
  });

  it('names the cause in the audit views: a revenue event caused by it, a ledger entry it caused', async () => {
    const revenue = await storeEvent('RevenueRecognized', new Date(), { amount: 3100, entryId: 1 }, first.event_id);
    await sql`INSERT INTO ledger_entries (currency, entry_date, origin_date, kind, invoice_id, event_id, deferred_revenue, revenue)
              VALUES ('USD', '2019-03-04', '2019-03-04', 'recognition', 'inv_old', ${first.event_id}::uuid, 3100, -3100)`.execute(t.owner);
    const history = await sql<{ event_id: string; causation_type: string | null }>`
      SELECT event_id, causation_type FROM audit_invoice_history WHERE invoice_id = 'inv_old' ORDER BY position`.execute(t.db);
    expect(history.rows).toEqual([
      { event_id: first.event_id, causation_type: null },
      { event_id: second.event_id, causation_type: null },
      { event_id: revenue.event_id, causation_type: 'InvoiceCreated' },
    ]);
    const changes = await sql<{ cause: string; cause_event_id: string; cause_type: string; cause_recorded_at: Date }>`
      SELECT cause, cause_event_id, cause_type, cause_recorded_at FROM audit_revenue_changes WHERE invoice_id = 'inv_old'`.execute(t.db);
    expect(changes.rows).toEqual([{ cause: 'event', cause_event_id: first.event_id, cause_type: 'InvoiceCreated', cause_recorded_at: OLD }]);
    // The history's cause through event_keys (migration 175): no partition's events_event_id is probed.
    const plan = await sql<{ 'QUERY PLAN': unknown }>`
      EXPLAIN (ANALYZE, FORMAT JSON) SELECT * FROM audit_invoice_history WHERE invoice_id = 'inv_old'`.execute(t.db);
    expect(JSON.stringify(plan.rows[0]!['QUERY PLAN'])).not.toMatch(/events_[a-z0-9_]*event_id/);
    expect(JSON.stringify(plan.rows[0]!['QUERY PLAN'])).toMatch(/event_keys_event_id_key/);
  });

  it('sends a pending notice and a webhook delivery of the event', async () => {
    await sql`INSERT INTO notification_deliveries (event_id, invoice_id, kind, channel, recipient, subject, body, recorded_at)
              VALUES (${first.event_id}::uuid, 'inv_old', 'reminder', 'log', 'ada@example.com', 's', 'b', ${OLD})`.execute(t.owner);
    const sent: NotificationMessage[] = [];
    const channel: NotificationChannel = { name: 'log', external: false, deliver: async (m) => void sent.push(m) };
    expect(await t.db.transaction().execute((tx) => deliverPendingNotices(tx, channel, { now: new Date(), log: silentLogger }))).toBe(1);
    expect(sent).toMatchObject([{ eventId: first.event_id, invoiceId: 'inv_old', occurredAt: '2019-03-04' }]);

    const received: string[] = [];
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => void (received.push(Buffer.concat(chunks).toString('utf8')), res.writeHead(200).end('ok')));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      const now = new Date();
      await createEndpoint(t.db, { url, eventTypes: ['InvoiceCreated'], description: '', enabled: true }, { correlationId: 'c', actor: 'test' }, now);
      const [delivery] = await createDeliveries(t.db, [{ eventId: first.event_id, type: 'InvoiceCreated' }]);
      const ctx = { db: t.db, log: silentLogger, now: () => now, enqueue: async () => {} };
      await deliverWebhook({ data: { deliveryId: delivery!.id, attempt: 1 } }, ctx, {
        timeoutMs: 2000, retrySchedule: [5], disableAfterMs: 3_600_000, allowPrivate: true,
        breaker: (id) => createCircuitBreaker({ db: t.db, name: `webhook-endpoint:${id}`, policy: { failureThreshold: 100, coolDownMs: 30_000, probeLeaseMs: 4000 }, countsAsFailure: isEndpointFailure }),
      });
      expect(received).toHaveLength(1);
      expect(received[0]).toContain(first.event_id);
      const row = await t.db.selectFrom('webhook_endpoint_deliveries').select(['status', 'attempts']).where('id', '=', delivery!.id).executeTakeFirstOrThrow();
      expect(row).toEqual({ status: 'succeeded', attempts: 1 });
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
