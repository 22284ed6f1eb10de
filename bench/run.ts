// `npm run bench` — accrue against the limits of its own database, in one run
// (issue 6). Flags: --quick (about a minute), --json (only the results JSON on
// stdout), --events N (pipeline size, default 100,000; quick 2,000),
// --concurrency C (clients for the INSERT baseline and the HTTP load, default 10),
// --only key,key (run some figures: insertBaselineTps, pgBoss, http, pipeline, e2e, worker, recognitionRun, nats).
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
import { pgBossBaseline } from './figures/pgBossBaseline.ts';
import { httpWritePath } from './figures/httpWritePath.ts';
import { pipelineDrain } from './figures/pipelineDrain.ts';
import { endToEndLatency } from './figures/endToEndLatency.ts';
import { workerMemory } from './figures/workerMemory.ts';
import { recognitionRun } from './figures/recognitionRun.ts';
import { natsForward } from './figures/natsForward.ts';

// Baselines first: the accrue figures are reported as ratios to them.
const FIGURES: Figure[] = [insertBaseline, pgBossBaseline, httpWritePath, pipelineDrain, endToEndLatency, workerMemory, recognitionRun, natsForward];

const RESULTS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');

async function main() {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      events: { type: 'string' },
      concurrency: { type: 'string', default: '10' },
      only: { type: 'string' },
    },
  });
  const quick = values.quick ?? false;
  const events = values.events ? Number(values.events) : quick ? 2_000 : 100_000;
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(events) || events < 1) throw new Error('--events must be a positive integer');
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error('--concurrency must be a positive integer');

  const note = (m: string) => process.stderr.write(`${m}\n`);
  const config = loadConfig();
  const startedAt = new Date();
  // Other work on the machine skews every figure; the load averages say how much.
  const loadAtStart = os.loadavg().map((l) => Math.round(l * 100) / 100);
  const db = await openBenchDatabase(config.DATABASE_URL, note);
  const progress = createProgress();
  const ctx: BenchContext = { url: db.url, adminUrl: db.adminUrl, quick, events, concurrency, progress, note };
  const byKey: Record<string, FigureResult> = {};
  let server: Record<string, string> = {};
  try {
    server = await describeServer(db.url);
    const only = values.only?.split(',');
    for (const figure of FIGURES.filter((f) => !only || only.includes(f.key))) {
      try {
        byKey[figure.key] = await figure.run(ctx);
      } catch (err) {
        // One broken figure must not lose the others' numbers.
        byKey[figure.key] = { status: 'failed', summary: {}, note: err instanceof Error ? err.message : String(err) };
      }
    }
  } finally {
    progress.stop();
    await db.close();
  }

  const results = buildResults(byKey, {
    startedAt: startedAt.toISOString(),
    seconds: Math.round((Date.now() - startedAt.getTime()) / 100) / 10,
    quick,
    events,
    concurrency,
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
    for (const [key, r] of Object.entries(byKey)) if (r.note) process.stdout.write(`  ${key}: ${r.status}: ${r.note}\n`);
    process.stdout.write(`\nfull results: ${path.relative(process.cwd(), file)}\n`);
  }
  if (Object.values(byKey).some((r) => r.status === 'failed')) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
