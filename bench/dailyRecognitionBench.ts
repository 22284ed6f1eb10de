import { fileURLToPath } from 'node:url';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../src/db/schema.ts';
import { runDailyRecognition, type RecognitionRun } from '../src/subscribers/revenue/runDailyRecognition.ts';
import { createScratchDatabase } from '../src/cli/scenarios/scratchDatabase.ts';

export type DailyRecognitionBench = {
  lines: number;
  oneDay: RecognitionRun & { ms: number };
  monthCrossing: RecognitionRun & { ms: number };
  rerunMs: number;
};

/**
 * Seeds `lines` active annual lines (two per invoice) straight into the books and
 * times the daily run: one day forward (the normal case: one entry and one
 * RevenueRecognized event per line) and 31 days forward across a month end (two
 * entries per line), then a rerun the same day (nothing due).
 */
export async function benchDailyRecognition(serverUrl: string, lines = 100_000): Promise<DailyRecognitionBench> {
  const scratch = await createScratchDatabase(serverUrl);
  try {
    await seed(scratch.db, lines, '2026-10-26');
    const oneDay = await timed(() => runDailyRecognition(scratch.db, '2026-10-27'));
    const monthCrossing = await timed(() => runDailyRecognition(scratch.db, '2026-11-27'));
    const rerun = await timed(() => runDailyRecognition(scratch.db, '2026-11-27'));
    if (rerun.lines !== 0) throw new Error(`rerun posted ${rerun.lines} lines; the run is not idempotent`);
    return { lines, oneDay, monthCrossing, rerunMs: rerun.ms };
  } finally {
    await scratch.drop();
  }
}

async function timed(run: () => Promise<RecognitionRun>): Promise<RecognitionRun & { ms: number }> {
  const started = performance.now();
  const result = await run();
  return { ...result, ms: Math.round(performance.now() - started) };
}

async function seed(db: Kysely<Database>, lines: number, horizon: string): Promise<void> {
  const invoices = Math.ceil(lines / 2);
  await sql`
    INSERT INTO revenue_invoices (invoice_id, currency, status, version, total, net_revenue, amount_due, issued_on, first_event_on, horizon)
    SELECT 'bench_' || g, 'USD', 'open', 1, 73000, 73000, 73000, '2026-01-01', '2026-01-01', ${horizon}::date
    FROM generate_series(1, ${invoices}) g
  `.execute(db);
  await sql`
    INSERT INTO revenue_lines (invoice_id, line_id, currency, position, net_amount, service_start, service_end,
                               recognized, recognized_through, active)
    SELECT 'bench_' || ((g + 1) / 2), 'line_' || g, 'USD', g % 2, 36500 + g % 1000, '2026-01-01', '2027-01-01',
           floor((36500 + g % 1000)::numeric * (${horizon}::date - '2026-01-01'::date) / 365)::bigint, ${horizon}::date, true
    FROM generate_series(1, ${lines}) g
  `.execute(db);
  await sql`ANALYZE revenue_lines`.execute(db);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('set DATABASE_URL to a Postgres server (a scratch database is created and dropped)');
  const lines = Number(process.argv[2] ?? 100_000);
  const result = await benchDailyRecognition(url, lines);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
