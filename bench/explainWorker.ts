// One-off evidence for docs/performance.md: loads `n` invoice events, drains them
// in-process, then EXPLAINs the revenue subscriber's statements for one invoice.
// `DATABASE_URL=… node bench/explainWorker.ts 5000` (scratch database, dropped after).
import { sql } from 'kysely';
import { createScratchDatabase } from '../src/cli/scenarios/scratchDatabase.ts';
import { silentLogger } from '../src/telemetry/logger.ts';
import { todayUtc } from '../src/values/dates.ts';
import { waitUntilDrained } from '../src/bus/operator/getStatus.ts';
import { loadConfig } from '../src/config.ts';
import { busSettings } from '../src/bus/queues/busSettings.ts';
import { startRelay } from '../src/bus/relay/startRelay.ts';
import { startWorker } from '../src/bus/worker/startWorker.ts';
import { revenueSubscriber } from '../src/subscribers/revenue/index.ts';
import { loadOutbox } from './lib/invoiceEvents.ts';

const url = process.env.DATABASE_URL;
if (!url) throw new Error('set DATABASE_URL');
const n = Number(process.argv[2] ?? 5000);
const scratch = await createScratchDatabase(url);
try {
  await loadOutbox(scratch.db, n, todayUtc(), 'x');
  const settings = busSettings(loadConfig());
  const worker = await startWorker({ url: scratch.url, subscribers: [revenueSubscriber], settings, log: silentLogger });
  const relay = await startRelay({ url: scratch.url, subscribers: [revenueSubscriber], settings, log: silentLogger });
  await waitUntilDrained(scratch.db, { timeoutMs: 600_000 });
  await relay.stop();
  await worker.stop();
  await sql`ANALYZE`.execute(scratch.db);
  const id = `x_${Math.floor(n / 6)}`;
  const plans: Record<string, string> = {
    loadInvoiceBook: `WITH locked_lines AS (SELECT recognized_through FROM revenue_lines WHERE invoice_id = '${id}' FOR UPDATE)
      SELECT i.applied, (SELECT max(recognized_through) FROM locked_lines), (SELECT max(period) FROM ledger_period_locks)
      FROM (VALUES (1)) AS one (x) LEFT JOIN revenue_invoices i ON i.invoice_id = '${id}'`,
    loadPostedTotals: `SELECT kind, line_id, payment_id, max(origin_date), sum(accounts_receivable) FROM ledger_entries
      WHERE invoice_id = '${id}' GROUP BY kind, line_id, payment_id, CASE WHEN kind = 'recognition' THEN date_trunc('month', origin_date) ELSE origin_date END`,
    relayClaim: `SELECT position FROM outbox ORDER BY position LIMIT 500 FOR UPDATE SKIP LOCKED`,
    inboxClaim: `SELECT 1 FROM inbox WHERE subscriber = 'revenue' AND event_id = '00000000-0000-0000-0000-000000000000'`,
    eventsAppendConflictKey: `SELECT 1 FROM events WHERE source = 'revenue' AND external_id = 'x'`,
  };
  for (const [name, q] of Object.entries(plans)) {
    const { rows } = await sql.raw<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${q}`).execute(scratch.db);
    process.stdout.write(`-- ${name}\n${rows.map((r) => r['QUERY PLAN']).join('\n')}\n\n`);
  }
  const sizes = await sql<{ t: string; size: string; rows: number }>`
    SELECT relname AS t, pg_size_pretty(pg_total_relation_size(c.oid)) AS size, reltuples::int AS rows FROM pg_class c
    WHERE relname IN ('events','outbox','inbox','ledger_entries','revenue_invoices','revenue_lines','job') ORDER BY 1`.execute(scratch.db);
  process.stdout.write(`${JSON.stringify(sizes.rows)}\n`);
  const avg = await sql<{ applied_bytes: number }>`SELECT avg(pg_column_size(applied))::int AS applied_bytes FROM revenue_invoices`.execute(scratch.db);
  process.stdout.write(`revenue_invoices.applied average ${avg.rows[0]!.applied_bytes} bytes\n`);
} finally {
  await scratch.drop();
}
