import { sql } from 'kysely';
import type { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntilDrained } from '../../../src/bus/operator/getStatus.ts';
import { takeProjectionSnapshot } from '../../../src/bus/operator/projectionSnapshots.ts';
import { rebuildSubscriber } from '../../../src/bus/operator/rebuildSubscriber.ts';
import { startBoss } from '../../../src/bus/queues/startBoss.ts';
import { startRelay, type RelayHandle } from '../../../src/bus/relay/startRelay.ts';
import { startWorker, type WorkerHandle } from '../../../src/bus/worker/startWorker.ts';
import type { NewEvent } from '../../../src/events/appendEvents.ts';
import { analyticsSubscriber } from '../../../src/subscribers/analytics/updateInvoiceAnalytics.ts';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { addDays } from '../../../src/values/dates.ts';
import { appendTestEvents } from '../../helpers/appendTestEvent.ts';
import { testSettings } from '../../helpers/busTestKit.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';

/**
 * Issue 15: `accrue rebuild analytics` from the latest snapshot restores it and replays
 * only the events after its point, and ends with the rows a rebuild from scratch gives
 * (and the live ones), also when the live rows drifted from the snapshot; a snapshot of
 * another schema version, or whose typed copy no longer matches its table, is ignored. Costs: one test
 * database, relay + worker, ~700 events replayed four times.
 */
function invoiceHistory(i: number): NewEvent[] {
  const id = `inv_${i}`;
  const on = addDays('2026-01-01', i % 90);
  const lines = (amount: number) => [{ lineId: 'r', kind: 'revenue', description: '', amount }];
  const out: NewEvent[] = [{ type: 'InvoiceCreated', aggregateId: id, aggregateVersion: 1, occurredAt: on, data: { customerId: `cus_${i % 7}`, currency: i % 3 ? 'USD' : 'EUR', lines: lines(1000 + i), dueDate: addDays(on, 30) } }];
  if (i % 2) out.push({ type: 'InvoiceUpdated', aggregateId: id, aggregateVersion: 2, occurredAt: addDays(on, 3), data: { currency: i % 3 ? 'USD' : 'EUR', lines: lines(1500 + i) } });
  if (i % 3 !== 1) out.push({ type: 'InvoicePaymentReceived', aggregateId: id, occurredAt: addDays(on, 10), data: { paymentId: `p_${i}`, amount: 400 + i } });
  if (i % 5 === 0) out.push({ type: 'InvoiceVoided', aggregateId: id, occurredAt: addDays(on, 20), data: { reason: 'test' } });
  return out;
}

/** Waits until every transaction running on the server began after the last event's. */
async function waitForXminPast(t: TestDatabase, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await sql<{ past: boolean }>`SELECT pg_snapshot_xmin(pg_current_snapshot()) > (SELECT max(tx_id) FROM events) AS past`.execute(t.db);
    if (rows[0]!.past) return;
    if (Date.now() > deadline) throw new Error('a transaction older than the events kept running');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('rebuild from a projection snapshot', () => {
  let t: TestDatabase;
  let relay: RelayHandle;
  let worker: WorkerHandle;
  let boss: PgBoss;
  const settings = testSettings({ worker: { batchSize: 100 } });

  beforeAll(async () => {
    t = await createTestDatabase();
    relay = await startRelay({ url: t.url, subscribers: [analyticsSubscriber], settings, log: silentLogger });
    worker = await startWorker({ url: t.url, subscribers: [analyticsSubscriber], settings, log: silentLogger });
    boss = await startBoss(t.url, { role: 'client', settings, log: silentLogger });
  });
  afterAll(async () => {
    await relay?.stop();
    await worker?.stop();
    await boss?.stop({ graceful: false });
    await t?.drop();
  });

  const rows = async () => ({
    invoices: (await sql`SELECT invoice_id, customer_id, currency, issued_on::text, due_date::text, overdue_due_date::text, total, tax, version, position, voided_on::text
                         FROM analytics_invoices ORDER BY invoice_id`.execute(t.db)).rows,
    payments: (await sql`SELECT invoice_id, payment_id, amount, received_on::text FROM analytics_payments ORDER BY invoice_id, payment_id`.execute(t.db)).rows,
  });
  const drain = () => waitUntilDrained(t.db, { timeoutMs: 60_000 });

  it('replays only the tail and gives the rows a rebuild from scratch gives', async () => {
    const before = Array.from({ length: 200 }, (_, i) => invoiceHistory(i)).flat();
    await appendTestEvents(t.db, before);
    await drain();
    // The snapshot's point is the server's oldest running transaction (pg_snapshot_xmin),
    // and xids are cluster-wide: another database's long transaction (a parallel test file,
    // anyone on a shared server) would put the point before these events, and the rebuild
    // would then rightly replay them too. Wait until no transaction older than ours runs.
    await waitForXminPast(t);
    const snapshot = await t.db.transaction().execute((tx) => takeProjectionSnapshot(tx, analyticsSubscriber));
    expect(snapshot?.rowCount).toBeGreaterThan(200);
    // Nothing applied since: the same point, no new snapshot.
    expect(await t.db.transaction().execute((tx) => takeProjectionSnapshot(tx, analyticsSubscriber))).toBeNull();

    // The tail: new invoices, and later events of invoices the snapshot holds.
    const after: NewEvent[] = [...Array.from({ length: 40 }, (_, i) => invoiceHistory(1000 + i)).flat(),
      ...Array.from({ length: 20 }, (_, i): NewEvent => ({ type: 'InvoicePaymentReceived', aggregateId: `inv_${i * 3}`, occurredAt: '2026-05-01', data: { paymentId: `late_${i}`, amount: 7 } })),
      { type: 'InvoiceUpdated', aggregateId: 'inv_2', aggregateVersion: 3, occurredAt: '2026-05-02', data: { currency: 'EUR', lines: [{ lineId: 'r', kind: 'revenue', description: '', amount: 99 }] } }];
    await appendTestEvents(t.db, after);
    await drain();
    const live = await rows();

    const fromSnapshot = await rebuildSubscriber(t.db, boss, analyticsSubscriber);
    expect(fromSnapshot.fromSnapshot?.snapshotId).toBe(snapshot!.snapshotId);
    expect(fromSnapshot.events).toBe(after.length);
    await drain();
    const restored = await rows();

    const fromScratch = await rebuildSubscriber(t.db, boss, analyticsSubscriber, { fromScratch: true });
    expect(fromScratch.fromSnapshot).toBeNull();
    expect(fromScratch.events).toBe(before.length + after.length);
    await drain();
    const scratch = await rows();

    expect(restored).toEqual(scratch);
    expect(scratch).toEqual(live);
    expect(scratch.invoices).toHaveLength(240);
  });

  it('restores the snapshot over a projection that drifted from it, and equals a rebuild from scratch', async () => {
    // The restore writes only rows that differ from the snapshot: a changed row, a missing
    // one and one that should not exist must all end up as the snapshot has them.
    await sql`UPDATE analytics_invoices SET total = total + 1, customer_id = NULL WHERE invoice_id IN ('inv_4', 'inv_1000')`.execute(t.db);
    await sql`DELETE FROM analytics_payments WHERE invoice_id IN ('inv_6', 'inv_1003')`.execute(t.db);
    await sql`DELETE FROM analytics_invoices WHERE invoice_id = 'inv_8'`.execute(t.db);
    await sql`INSERT INTO analytics_invoices (invoice_id, currency, total) VALUES ('inv_bogus', 'USD', 5)`.execute(t.db);
    const fromSnapshot = await rebuildSubscriber(t.db, boss, analyticsSubscriber);
    expect(fromSnapshot.fromSnapshot).not.toBeNull();
    await drain();
    const restored = await rows();
    await rebuildSubscriber(t.db, boss, analyticsSubscriber, { fromScratch: true });
    await drain();
    expect(restored).toEqual(await rows());
    expect(restored.invoices).toHaveLength(240);
  });

  it('ignores a snapshot whose copy of a table no longer has the table\'s columns', async () => {
    try {
      await sql`ALTER TABLE analytics_payments_snapshot ADD COLUMN note text`.execute(t.owner);
      const result = await rebuildSubscriber(t.db, boss, analyticsSubscriber);
      expect(result.fromSnapshot).toBeNull();
      const { rows: all } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM events`.execute(t.db);
      expect(result.events).toBe(all[0]!.n);
      await drain();
      expect((await rows()).invoices).toHaveLength(240);
      // Taking a snapshot into a copy that does not match is refused, not half done.
      await expect(t.db.transaction().execute((tx) => takeProjectionSnapshot(tx, analyticsSubscriber))).rejects.toThrow(/analytics_payments_snapshot/);
    } finally {
      await sql`ALTER TABLE analytics_payments_snapshot DROP COLUMN IF EXISTS note`.execute(t.owner);
    }
  });

  it('ignores a snapshot of another schema version', async () => {
    await sql`UPDATE projection_snapshots SET schema_version = 99`.execute(t.db);
    const result = await rebuildSubscriber(t.db, boss, analyticsSubscriber);
    expect(result.fromSnapshot).toBeNull();
    await drain();
    expect((await rows()).invoices).toHaveLength(240);
  });
});
