// `npm run bench` — accrue against the limits of its own database, in one run
// (issues 6 and 10). Flags: --quick (a few minutes), --json (only the results JSON
// on stdout), --events N (pipeline size, default 100,000; quick 2,000),
// --concurrency C (clients for the INSERT baseline and the HTTP load, default 10),
// --repeat R (rounds of the repeated figures, default 3; quick 2),
// --only key,key (run some figures: insertBaselineTps, invoiceSql, http, pgBoss
// (= pgBossDrain,pgBossLatency), pipeline, pipelineAll, e2e, e2e1000, worker,
// recognitionRun, scale, apiScale, nats, webhooks, history, rebuild, reports).
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.ts';
import { openBenchDatabase, describeServer } from './lib/benchDatabase.ts';
import { createProgress } from './lib/progress.ts';
import { buildResults, renderTable } from './lib/report.ts';
import type { BenchContext, Figure, FigureResult } from './lib/types.ts';
import { insertBaseline } from './figures/insertBaseline.ts';
import { pgBossDrain, pgBossLatency } from './figures/pgBossBaseline.ts';
import { invoiceSql } from './figures/invoiceSql.ts';
import { httpWritePath } from './figures/httpWritePath.ts';
import { pipelineAll, pipelineDrain } from './figures/pipelineDrain.ts';
import { endToEnd1000, endToEndLatency } from './figures/endToEndLatency.ts';
import { workerMemory } from './figures/workerMemory.ts';
import { recognitionRun } from './figures/recognitionRun.ts';
import { scaleOut } from './figures/scaleOut.ts';
import { apiScale } from './figures/apiScale.ts';
import { natsForward } from './figures/natsForward.ts';
import { historyPosting } from './figures/historyPosting.ts';
import { rebuildFromSnapshot } from './figures/rebuildFromSnapshot.ts';
import { reportsAtScale } from './figures/reportsAtScale.ts';
import { webhookDeliveries } from './figures/webhookDeliveries.ts';

// One round: each baseline right before the accrue figures measured against it, so a
// slow minute of the shared machine hits both, and each ratio is taken within a round.
// The rounds repeat --repeat times; report.ts takes medians.
const ROUND: Figure[] = [insertBaseline, invoiceSql, httpWritePath, pgBossDrain, pipelineDrain, pipelineAll, pgBossLatency, endToEndLatency, endToEnd1000];
// Once per run: the worker's RSS (two drain sizes), the recognition run (no baseline),
// the scale-out tables (workers and relays; API processes), which repeat and interleave
// their own combinations, and the
// NATS forwarder and the webhook deliveries (issue 13; no baseline); the event store at
// scale (issue 15): posting cost against history, rebuild from scratch vs from a
// snapshot, reports on a large ledger.
const ONCE: Figure[] = [workerMemory, recognitionRun, scaleOut, apiScale, natsForward, webhookDeliveries, historyPosting, rebuildFromSnapshot, reportsAtScale];
// Names the --only flag took before the pg-boss figure was split in two.
const ALIASES: Record<string, string[]> = { pgBoss: ['pgBossDrain', 'pgBossLatency'] };

const RESULTS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');

async function main() {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      events: { type: 'string' },
      concurrency: { type: 'string', default: '10' },
      only: { type: 'string' },
      repeat: { type: 'string' },
    },
  });
  const quick = values.quick ?? false;
  const events = values.events ? Number(values.events) : quick ? 2_000 : 100_000;
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(events) || events < 1) throw new UsageError('--events must be a positive integer');
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError('--concurrency must be a positive integer');
  const repeat = values.repeat ? Number(values.repeat) : quick ? 2 : 3;
  if (!Number.isInteger(repeat) || repeat < 1) throw new UsageError('--repeat must be a positive integer');
  const only = values.only?.split(',').flatMap((k) => ALIASES[k] ?? [k]);
  const known = [...ROUND, ...ONCE].map((f) => f.key);
  const unknown = only?.filter((k) => !known.includes(k));
  if (unknown?.length) throw new UsageError(`--only: unknown figure ${unknown.join(', ')} (known: ${known.join(', ')}, pgBoss)`);

  const note = (m: string) => process.stderr.write(`${m}\n`);
  const config = loadConfig();
  const startedAt = new Date();
  // Other work on the machine skews every figure; the load averages say how much.
  const loadAtStart = os.loadavg().map((l) => Math.round(l * 100) / 100);
  const db = await openBenchDatabase(config.DATABASE_URL, note);
  const progress = createProgress();
  const base: BenchContext = { url: db.url, adminUrl: db.adminUrl, quick, events, concurrency, repeat, round: 1, progress, note };
  const rounds: Record<string, FigureResult[]> = {};
  const selected = (f: Figure) => !only || only.includes(f.key);
  const runFigure = async (figure: Figure, ctx: BenchContext) => {
    let result: FigureResult;
    try {
      result = await figure.run(ctx);
    } catch (err) {
      // One broken figure must not lose the others' numbers.
      result = { status: 'failed', summary: {}, note: err instanceof Error ? err.message : String(err) };
    }
    (rounds[figure.key] ??= []).push(result);
  };
  let server: Record<string, string> = {};
  try {
    server = await describeServer(db.url);
    for (let round = 1; round <= repeat; round++) {
      note(`round ${round} of ${repeat}`);
      for (const figure of ROUND.filter(selected)) await runFigure(figure, { ...base, round });
    }
    for (const figure of ONCE.filter(selected)) await runFigure(figure, base);
  } finally {
    progress.stop();
    await db.close();
  }

  const results = buildResults(rounds, {
    startedAt: startedAt.toISOString(),
    seconds: Math.round((Date.now() - startedAt.getTime()) / 100) / 10,
    quick,
    events,
    concurrency,
    repeat,
    database: { embedded: db.embedded, ...server },
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      platform: `${os.platform()} ${os.release()}`,
      node: process.version,
      loadAverage1m5m15m: { atStart: loadAtStart, atEnd: os.loadavg().map((l) => Math.round(l * 100) / 100) },
    },
  });
  await mkdir(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `bench-${startedAt.toISOString().replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.json`);
  const json = JSON.stringify(results, null, 2);
  await writeFile(file, `${json}\n`);

  if (values.json) {
    process.stdout.write(`${json}\n`);
  } else {
    process.stdout.write(`\n${renderTable(results, events)}\n\n`);
    for (const [key, r] of Object.entries(results.figures)) if (r.note) process.stdout.write(`  ${key}: ${r.status}: ${r.note}\n`);
    process.stdout.write(`\nfull results: ${path.relative(process.cwd(), file)}\n`);
  }
  if (Object.values(results.figures).some((r) => r.status === 'failed')) process.exitCode = 1;
}

/** A mistake in the flags: one line, no stack. */
class UsageError extends Error {}

main().catch((err: unknown) => {
  if (err instanceof UsageError || (err instanceof Error && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS'))) {
    process.stderr.write(`bench: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
