import { sql, type Kysely } from 'kysely';
import { loadConfig } from '../../src/config.ts';
import { connect } from '../../src/db/connect.ts';
import type { Database } from '../../src/db/schema.ts';
import { waitUntilDrained } from '../../src/bus/operator/getStatus.ts';
import { takeProjectionSnapshot } from '../../src/bus/operator/projectionSnapshots.ts';
import { rebuildSubscriber } from '../../src/bus/operator/rebuildSubscriber.ts';
import { busSettings } from '../../src/bus/queues/busSettings.ts';
import { startBoss } from '../../src/bus/queues/startBoss.ts';
import { startWorker } from '../../src/bus/worker/startWorker.ts';
import { analyticsSubscriber } from '../../src/subscribers/analytics/updateInvoiceAnalytics.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { scratchDatabase } from '../lib/benchDatabase.ts';
import { round } from '../lib/stats.ts';
import type { Figure } from '../lib/types.ts';

/**
 * Stored invoice events for analytics, written set-based straight into `events` without
 * outbox rows (history the relay has long delivered): per invoice a create, a payment
 * and every 4th an update, numbered from `from`.
 */
async function seedHistory(db: Kysely<Database>, from: number, events: number): Promise<void> {
  const invoices = Math.ceil(events / 2.25);
  for (let i = from; i < from + invoices; i += 20_000) {
    const to = Math.min(from + invoices, i + 20_000) - 1;
    await sql`
      INSERT INTO events (event_id, type, schema_version, aggregate_type, aggregate_id, aggregate_version, occurred_at, correlation_id, actor, data)
      SELECT accrue_uuidv7(), e.type, 1, 'invoice', 'inv_' || g, e.version, date '2024-01-01' + (g % 900) + e.day, 'bench', 'bench', e.data
      FROM generate_series(${i}::int, ${to}::int) AS g
      CROSS JOIN LATERAL (VALUES
        ('InvoiceCreated', 1, 0, jsonb_build_object('customerId', 'cus_' || (g % 1000), 'currency', CASE WHEN g % 3 = 0 THEN 'EUR' ELSE 'USD' END,
           'dueDate', (date '2024-01-01' + (g % 900) + 30)::text,
           'lines', jsonb_build_array(jsonb_build_object('lineId', 'l', 'kind', 'revenue', 'description', '', 'amount', 1000 + g % 997)))),
        ('InvoicePaymentReceived', NULL, 10, jsonb_build_object('paymentId', 'p_' || g, 'amount', 500 + g % 101)),
        ('InvoiceUpdated', 2, 5, CASE WHEN g % 4 = 0 THEN jsonb_build_object('currency', CASE WHEN g % 3 = 0 THEN 'EUR' ELSE 'USD' END,
           'lines', jsonb_build_array(jsonb_build_object('lineId', 'l', 'kind', 'revenue', 'description', '', 'amount', 1200 + g % 997))) END)
      ) AS e (type, version, day, data)
      WHERE e.data IS NOT NULL`.execute(db);
  }
}

/**
 * Issue 15: `rebuild{fromScratchSeconds,fromSnapshotSeconds,events}`: `accrue rebuild
 * analytics` (rebuildSubscriber, one in-process worker draining the queue) over
 * 1,000,000 stored events from scratch, then from a snapshot taken when the projection
 * was complete with 1,000 events appended after it; each timed from the rebuild's
 * start until the queue is drained. --quick: 20,000 events (and says so).
 */
export const rebuildFromSnapshot: Figure = {
  key: 'rebuild',
  title: 'accrue rebuild analytics: scratch vs snapshot',
  async run(ctx) {
    const target = ctx.quick ? 20_000 : 1_000_000;
    const scratch = await scratchDatabase(ctx.adminUrl, 'accrue_bench_rebuild', { pgBoss: true });
    const handle = connect(scratch.url, { max: 4 });
    const settings = busSettings(loadConfig());
    const worker = await startWorker({ url: scratch.url, subscribers: [analyticsSubscriber], settings, log: silentLogger });
    const boss = await startBoss(scratch.url, { role: 'client', settings, log: silentLogger, max: 2 });
    const drain = () => waitUntilDrained(handle.db, { timeoutMs: 6 * 3600_000, intervalMs: 200 });
    try {
      const seeding = ctx.progress.task(`rebuild: seed ~${target} events`, 1);
      await seedHistory(handle.db, 0, target);
      seeding.done();
      const events = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM events`.execute(handle.db)).rows[0]!.n);

      const full = ctx.progress.task(`rebuild: from scratch over ${events} events`, 1);
      let started = performance.now();
      await rebuildSubscriber(handle.db, boss, analyticsSubscriber, { fromScratch: true, batchSize: 5000 });
      await drain();
      const fromScratchSeconds = (performance.now() - started) / 1000;
      full.done();

      started = performance.now();
      const snapshot = await handle.db.transaction().execute((tx) => takeProjectionSnapshot(tx, analyticsSubscriber));
      const snapshotSeconds = (performance.now() - started) / 1000;
      await seedHistory(handle.db, 10_000_000, 1000);
      const tail = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM events`.execute(handle.db)).rows[0]!.n) - events;

      const partial = ctx.progress.task(`rebuild: from a snapshot ${tail} events behind`, 1);
      started = performance.now();
      const result = await rebuildSubscriber(handle.db, boss, analyticsSubscriber, { batchSize: 5000 });
      // The restore transaction and the tail's jobs sent; the rest is the worker applying them.
      const restoreSeconds = (performance.now() - started) / 1000;
      await drain();
      const fromSnapshotSeconds = (performance.now() - started) / 1000;
      partial.done();
      if (!result.fromSnapshot) throw new Error('the rebuild did not start from the snapshot');
      return {
        status: 'measured',
        summary: { fromScratchSeconds: round(fromScratchSeconds, 2), fromSnapshotSeconds: round(fromSnapshotSeconds, 2), events },
        detail: { tailEvents: tail, replayedFromSnapshot: result.events, snapshotRows: snapshot?.rowCount, takeSnapshotSeconds: round(snapshotSeconds, 2), restoreSeconds: round(restoreSeconds, 2), speedup: round(fromScratchSeconds / fromSnapshotSeconds, 1) },
        note: ctx.quick ? `--quick: ${events} events, not 1,000,000` : undefined,
      };
    } finally {
      await worker.stop();
      await boss.stop({ graceful: false, close: true });
      await handle.close();
      await scratch.drop();
    }
  },
};
