import type { FigureResult } from './types.ts';
import { round } from './stats.ts';

type N = number | null;
/** The results JSON: issue 6's keys first (null where not measured), then run metadata. */
export type BenchResults = {
  insertBaselineTps: N;
  pgBoss: { jobsPerSec: N; p50Ms: N; p95Ms: N; p99Ms: N; maxMs: N };
  http: { requestsPerSec: N; p95Ms: N; ratioToInsert: N };
  pipeline: { eventsPerSec: N; ratioToPgBoss: N };
  e2e: { ratePerSec: N; p50Ms: N; p95Ms: N; p99Ms: N; maxMs: N; samples: number };
  worker: { peakRssMb: N; rssGrowsWithN: boolean | null };
  recognitionRun: { lines: N; seconds: N };
  nats: { eventsPerSec: N };
  targets: Record<string, { target: string; met: boolean | null }>;
  run: Record<string, unknown>;
  figures: Record<string, { status: FigureResult['status']; note?: string; detail?: Record<string, unknown> }>;
};

const num = (v: unknown): N => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const ratio = (a: N, b: N): N => (a !== null && b !== null && b > 0 ? round(a / b, 2) : null);
const both = (a: boolean | null, b: boolean | null) => (a === null || b === null ? null : a && b);
const atMost = (v: N, limit: number) => (v === null ? null : v <= limit);
const atLeast = (v: N, limit: number) => (v === null ? null : v >= limit);

/** Merges the figures' summaries into the results JSON and evaluates the DESIGN.md targets. */
export function buildResults(byKey: Record<string, FigureResult>, run: Record<string, unknown>): BenchResults {
  const s = (key: string) => byKey[key]?.summary ?? {};
  const insert = num(s('insertBaselineTps').insertBaselineTps);
  const boss = s('pgBoss');
  const http = s('http');
  const pipe = s('pipeline');
  const e2e = s('e2e');
  const worker = s('worker');
  const rec = s('recognitionRun');
  const results: BenchResults = {
    insertBaselineTps: insert,
    pgBoss: { jobsPerSec: num(boss.jobsPerSec), p50Ms: num(boss.p50Ms), p95Ms: num(boss.p95Ms), p99Ms: num(boss.p99Ms), maxMs: num(boss.maxMs) },
    http: { requestsPerSec: num(http.requestsPerSec), p95Ms: num(http.p95Ms), ratioToInsert: null },
    pipeline: { eventsPerSec: num(pipe.eventsPerSec), ratioToPgBoss: null },
    e2e: {
      ratePerSec: num(e2e.ratePerSec), p50Ms: num(e2e.p50Ms), p95Ms: num(e2e.p95Ms), p99Ms: num(e2e.p99Ms), maxMs: num(e2e.maxMs),
      samples: num(e2e.samples) ?? 0,
    },
    worker: { peakRssMb: num(worker.peakRssMb), rssGrowsWithN: typeof worker.rssGrowsWithN === 'boolean' ? worker.rssGrowsWithN : null },
    recognitionRun: { lines: num(rec.lines), seconds: num(rec.seconds) },
    nats: { eventsPerSec: num(s('nats').eventsPerSec) },
    targets: {},
    run,
    figures: Object.fromEntries(Object.entries(byKey).map(([k, r]) => [k, { status: r.status, note: r.note, detail: r.detail }])),
  };
  results.http.ratioToInsert = ratio(results.http.requestsPerSec, insert);
  results.pipeline.ratioToPgBoss = ratio(results.pipeline.eventsPerSec, results.pgBoss.jobsPerSec);
  results.targets = {
    e2eP95: { target: 'p95 <= 25 ms at 200 events/s', met: atMost(results.e2e.p95Ms, 25) },
    e2eP99: { target: 'p99 <= 50 ms at 200 events/s', met: atMost(results.e2e.p99Ms, 50) },
    pipeline: {
      target: '>= 5,000 events/s and >= 0.5 x bare pg-boss',
      met: both(atLeast(results.pipeline.eventsPerSec, 5000), atLeast(results.pipeline.ratioToPgBoss, 0.5)),
    },
    http: { target: '>= 0.5 x single-row INSERT tx/s', met: atLeast(results.http.ratioToInsert, 0.5) },
    workerRss: { target: 'RSS flat in N', met: results.worker.rssGrowsWithN === null ? null : !results.worker.rssGrowsWithN },
  };
  return results;
}

const PENDING = 'not measured (pending)';
const fmt = (v: N, unit: string, digits = 0) =>
  v === null ? PENDING : `${v.toLocaleString('en-US', { maximumFractionDigits: digits })}${unit ? ` ${unit}` : ''}`;
const fmtRatio = (v: N) => (v === null ? '—' : `${v.toFixed(2)}x`);
const fmtMet = (v: boolean | null) => (v === null ? '—' : v ? 'yes' : 'NO');

/** The one table: figure, value, baseline, ratio, target, met? */
export function renderTable(r: BenchResults, events: number): string {
  const t = r.targets;
  const rows: string[][] = [
    ['figure', 'value', 'baseline', 'ratio', 'target', 'met?'],
    ['1 INSERT tx/s (single-row)', fmt(r.insertBaselineTps, 'tx/s'), '—', '—', '—', '—'],
    [`2 pg-boss drain (${events.toLocaleString('en-US')} jobs)`, fmt(r.pgBoss.jobsPerSec, 'jobs/s'), '—', '—', '—', '—'],
    ['2 pg-boss send→start p95 @200/s', fmt(r.pgBoss.p95Ms, 'ms', 1), '—', '—', '—', '—'],
    ['3 HTTP POST /v1/invoices', fmt(r.http.requestsPerSec, 'req/s'), fmt(r.insertBaselineTps, 'tx/s'), fmtRatio(r.http.ratioToInsert), '>= 0.5x', fmtMet(t.http!.met)],
    ['3 HTTP p95', fmt(r.http.p95Ms, 'ms', 1), '—', '—', '—', '—'],
    [`4 pipeline drain (${events.toLocaleString('en-US')} events)`, fmt(r.pipeline.eventsPerSec, 'events/s'), fmt(r.pgBoss.jobsPerSec, 'jobs/s'), fmtRatio(r.pipeline.ratioToPgBoss), '>= 5,000/s, >= 0.5x', fmtMet(t.pipeline!.met)],
    ['5 e2e p95 @200/s', fmt(r.e2e.p95Ms, 'ms', 1), fmt(r.pgBoss.p95Ms, 'ms', 1), '—', '<= 25 ms', fmtMet(t.e2eP95!.met)],
    ['5 e2e p99 @200/s', fmt(r.e2e.p99Ms, 'ms', 1), fmt(r.pgBoss.p99Ms, 'ms', 1), '—', '<= 50 ms', fmtMet(t.e2eP99!.met)],
    ['6 worker peak RSS', fmt(r.worker.peakRssMb, 'MiB'), '—', '—', 'flat in N', fmtMet(t.workerRss!.met)],
    [`7 recognition run (${fmt(r.recognitionRun.lines, 'lines')})`, fmt(r.recognitionRun.seconds, 's', 2), '—', '—', '—', '—'],
    ['8 NATS JetStream forwarder', fmt(r.nats.eventsPerSec, 'events/s'), '—', '—', '—', '—'],
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  const line = (row: string[]) => `| ${row.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')} |`;
  const sep = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [line(rows[0]!), sep, ...rows.slice(1).map(line)].join('\n');
}
