import type { FigureResult } from './types.ts';
import { combineRounds, pairedRatio, type Spread } from './rounds.ts';
import { evaluateTargets, type Targets } from './targets.ts';

type N = number | null;
/**
 * The results JSON: issue 6's and issue 10's keys first (null where not measured or
 * invalid), then run metadata. Each value is the median over its rounds; each ratio
 * the median of the per-round ratios (accrue figure / the baseline run next to it).
 */
export type BenchResults = {
  insertBaselineTps: N;
  pgBoss: { jobsPerSec: N; p50Ms: N; p95Ms: N; p99Ms: N; maxMs: N };
  /** preparedRatioToInsert: both with named prepared statements (pgbench -M prepared), as the API sends its invoice insert. */
  invoiceSql: { tps: N; ratioToInsert: N; preparedRatioToInsert: N };
  /** ratioToPreparedInvoiceSql: like for like with the API's prepared invoice insert. */
  http: { requestsPerSec: N; p95Ms: N; ratioToInsert: N; ratioToInvoiceSql: N; ratioToPreparedInvoiceSql: N };
  pipeline: { eventsPerSec: N; ratioToPgBoss: N };
  pipelineAll: { eventsPerSec: N; ratioToPgBoss: N };
  e2e: { ratePerSec: N; p50Ms: N; p95Ms: N; p99Ms: N; maxMs: N; samples: number; p95RatioToPgBoss: N };
  e2e1000: { ratePerSec: N; p50Ms: N; p95Ms: N; p99Ms: N; maxMs: N; samples: number; backlogGrows: boolean | null };
  worker: { peakRssMb: N; rssGrowsWithN: boolean | null };
  recognitionRun: { lines: N; seconds: N };
  scale: { workers: number; relays: number; eventsPerSec: N }[];
  apiScale: { processes: number; requestsPerSec: N; p95Ms: N }[];
  nats: { eventsPerSec: N };
  history: { postMsAt1: N; postMsAt100: N; postMsAt1000: N };
  rebuild: { fromScratchSeconds: N; fromSnapshotSeconds: N; events: N };
  reports: { revenueByMonthMs: N; closingBalancesMs: N; entries: N };
  webhooks: { deliveriesPerSec: N; p95Ms: N };
  targets: Targets;
  run: Record<string, unknown>;
  figures: Record<string, { status: FigureResult['status']; note?: string; detail?: Record<string, unknown> }>;
};

const num = (v: unknown): N => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const bool = (v: unknown): boolean | null => (typeof v === 'boolean' ? v : null);

/**
 * Merges the figures' rounds into the results JSON and evaluates issue 10's targets.
 * `rounds[key]` holds one FigureResult per round, in round order, so index i of two
 * keys was measured in the same round, one right after the other.
 */
export function buildResults(rounds: Record<string, FigureResult[]>, run: Record<string, unknown>): BenchResults {
  const byKey = Object.fromEntries(Object.entries(rounds).map(([k, rs]) => [k, combineRounds(rs)]));
  const s = (key: string) => byKey[key]?.summary ?? {};
  // One value per round (null for an invalid or failed round), for the paired ratios.
  const perRound = (key: string, field: string): N[] => (rounds[key] ?? []).map((r) => (r.status === 'measured' ? num(r.summary[field]) : null));
  const paired = (a: [string, string], b: [string, string]) => pairedRatio(perRound(...a), perRound(...b)).median;

  const boss = { ...s('pgBossDrain'), ...s('pgBossLatency') };
  const e2e = s('e2e');
  const e2e1000 = s('e2e1000');
  const worker = s('worker');
  const rec = s('recognitionRun');
  const scaleRows = s('scale').rows;
  const apiScaleRows = s('apiScale').rows;
  const results: BenchResults = {
    insertBaselineTps: num(s('insertBaselineTps').insertBaselineTps),
    pgBoss: { jobsPerSec: num(boss.jobsPerSec), p50Ms: num(boss.p50Ms), p95Ms: num(boss.p95Ms), p99Ms: num(boss.p99Ms), maxMs: num(boss.maxMs) },
    invoiceSql: {
      tps: num(s('invoiceSql').tps),
      ratioToInsert: paired(['invoiceSql', 'tps'], ['insertBaselineTps', 'insertBaselineTps']),
      preparedRatioToInsert: paired(['invoiceSql', 'preparedTps'], ['insertBaselineTps', 'preparedTps']),
    },
    http: {
      requestsPerSec: num(s('http').requestsPerSec),
      p95Ms: num(s('http').p95Ms),
      ratioToInsert: paired(['http', 'requestsPerSec'], ['insertBaselineTps', 'insertBaselineTps']),
      ratioToInvoiceSql: paired(['http', 'requestsPerSec'], ['invoiceSql', 'tps']),
      ratioToPreparedInvoiceSql: paired(['http', 'requestsPerSec'], ['invoiceSql', 'preparedTps']),
    },
    pipeline: { eventsPerSec: num(s('pipeline').eventsPerSec), ratioToPgBoss: paired(['pipeline', 'eventsPerSec'], ['pgBossDrain', 'jobsPerSec']) },
    pipelineAll: { eventsPerSec: num(s('pipelineAll').eventsPerSec), ratioToPgBoss: paired(['pipelineAll', 'eventsPerSec'], ['pgBossDrain', 'jobsPerSec']) },
    e2e: {
      ratePerSec: num(e2e.ratePerSec), p50Ms: num(e2e.p50Ms), p95Ms: num(e2e.p95Ms), p99Ms: num(e2e.p99Ms), maxMs: num(e2e.maxMs),
      samples: num(e2e.samples) ?? 0,
      p95RatioToPgBoss: paired(['e2e', 'p95Ms'], ['pgBossLatency', 'p95Ms']),
    },
    e2e1000: {
      ratePerSec: num(e2e1000.ratePerSec), p50Ms: num(e2e1000.p50Ms), p95Ms: num(e2e1000.p95Ms), p99Ms: num(e2e1000.p99Ms), maxMs: num(e2e1000.maxMs),
      samples: num(e2e1000.samples) ?? 0,
      backlogGrows: bool(e2e1000.backlogGrows),
    },
    worker: { peakRssMb: num(worker.peakRssMb), rssGrowsWithN: bool(worker.rssGrowsWithN) },
    recognitionRun: { lines: num(rec.lines), seconds: num(rec.seconds) },
    scale: Array.isArray(scaleRows)
      ? (scaleRows as Record<string, unknown>[]).map((r) => ({ workers: Number(r.workers), relays: Number(r.relays), eventsPerSec: num(r.eventsPerSec) }))
      : [],
    apiScale: Array.isArray(apiScaleRows)
      ? (apiScaleRows as Record<string, unknown>[]).map((r) => ({ processes: Number(r.processes), requestsPerSec: num(r.requestsPerSec), p95Ms: num(r.p95Ms) }))
      : [],
    nats: { eventsPerSec: num(s('nats').eventsPerSec) },
    history: { postMsAt1: num(s('history').postMsAt1), postMsAt100: num(s('history').postMsAt100), postMsAt1000: num(s('history').postMsAt1000) },
    rebuild: { fromScratchSeconds: num(s('rebuild').fromScratchSeconds), fromSnapshotSeconds: num(s('rebuild').fromSnapshotSeconds), events: num(s('rebuild').events) },
    reports: { revenueByMonthMs: num(s('reports').revenueByMonthMs), closingBalancesMs: num(s('reports').closingBalancesMs), entries: num(s('reports').entries) },
    webhooks: { deliveriesPerSec: num(s('webhooks').deliveriesPerSec), p95Ms: num(s('webhooks').p95Ms) },
    targets: {},
    run,
    figures: Object.fromEntries(Object.entries(byKey).map(([k, r]) => [k, { status: r.status, note: r.note, detail: r.detail }])),
  };
  results.targets = evaluateTargets(results);
  return results;
}

const PENDING = 'not measured';
const fmtN = (v: number, digits: number) => v.toLocaleString('en-US', { maximumFractionDigits: digits });
const fmtRatio = (v: N) => (v === null ? '—' : `${v.toFixed(2)}x`);
const ratioOf = (a: N, b: N) => (a === null || b === null || b === 0 ? '—' : fmtRatio(a / b));
const fmtMet = (v: boolean | null | undefined) => (v === null || v === undefined ? '—' : v ? 'met' : 'NO');

/** The one table: figure, value (median, with min–max over the rounds), baseline, ratio, target, met? */
export function renderTable(r: BenchResults, events: number): string {
  const t = r.targets;
  const range = (key: string, field: string): Spread | undefined =>
    (r.figures[key]?.detail?.spread as Record<string, Spread> | undefined)?.[field];
  // A value: the median, and its range when more than one round measured it.
  const v = (value: N, unit: string, key: string, field: string, digits = 0) => {
    if (value === null) return r.figures[key]?.status === 'invalid' ? 'invalid' : PENDING;
    const s = range(key, field);
    const spreadText = s && s.runs > 1 ? ` (${fmtN(s.min, digits)}–${fmtN(s.max, digits)})` : '';
    return `${fmtN(value, digits)}${unit ? ` ${unit}` : ''}${spreadText}`;
  };
  const plain = (value: N, unit: string, digits = 0) => (value === null ? '—' : `${fmtN(value, digits)} ${unit}`);
  const n = events.toLocaleString('en-US');
  const cores = (r.run.machine as { cpus?: number } | undefined)?.cpus;
  const rows: string[][] = [
    ['figure', 'value (median, min–max)', 'baseline', 'ratio', 'target', 'met?'],
    ['1 INSERT tx/s (single-row)', v(r.insertBaselineTps, 'tx/s', 'insertBaselineTps', 'insertBaselineTps'), '—', '—', '—', '—'],
    ['3a invoice write, SQL only (pgbench)', v(r.invoiceSql.tps, 'tx/s', 'invoiceSql', 'tps'), plain(r.insertBaselineTps, 'tx/s'), fmtRatio(r.invoiceSql.ratioToInsert), '>= 0.5x INSERT', fmtMet(t.invoiceSql?.met)],
    ['3 HTTP POST /v1/invoices', v(r.http.requestsPerSec, 'req/s', 'http', 'requestsPerSec'), plain(r.invoiceSql.tps, 'tx/s'), fmtRatio(r.http.ratioToInvoiceSql), '>= 0.5x SQL only', fmtMet(t.http?.met)],
    ['3 HTTP p95', v(r.http.p95Ms, 'ms', 'http', 'p95Ms', 1), '—', '—', '<= 20 ms', fmtMet(t.httpP95?.met)],
    [`2 pg-boss drain (${n} jobs)`, v(r.pgBoss.jobsPerSec, 'jobs/s', 'pgBossDrain', 'jobsPerSec'), '—', '—', '—', '—'],
    [`4 pipeline drain (${n} events)`, v(r.pipeline.eventsPerSec, 'events/s', 'pipeline', 'eventsPerSec'), plain(r.pgBoss.jobsPerSec, 'jobs/s'), fmtRatio(r.pipeline.ratioToPgBoss), '>= 10,000/s, >= 0.5x', fmtMet(t.pipeline?.met)],
    ['4b pipeline drain, all subscribers', v(r.pipelineAll.eventsPerSec, 'events/s', 'pipelineAll', 'eventsPerSec'), plain(r.pgBoss.jobsPerSec, 'jobs/s'), fmtRatio(r.pipelineAll.ratioToPgBoss), '>= 0.25x', fmtMet(t.pipelineAll?.met)],
    ['2 pg-boss send→start p95 @200/s', v(r.pgBoss.p95Ms, 'ms', 'pgBossLatency', 'p95Ms', 1), '—', '—', '—', '—'],
    ['5 e2e p95 @200/s', v(r.e2e.p95Ms, 'ms', 'e2e', 'p95Ms', 1), plain(r.pgBoss.p95Ms, 'ms', 1), fmtRatio(r.e2e.p95RatioToPgBoss), '<= 25 ms; <= 2x', `${fmtMet(t.e2eP95?.met)}; ${fmtMet(t.e2eVsPgBoss?.met)}`],
    ['5 e2e p99 @200/s', v(r.e2e.p99Ms, 'ms', 'e2e', 'p99Ms', 1), plain(r.pgBoss.p99Ms, 'ms', 1), '—', '<= 50 ms', fmtMet(t.e2eP99?.met)],
    ['5b e2e p95 @1,000/s', v(r.e2e1000.p95Ms, 'ms', 'e2e1000', 'p95Ms', 1), '—', '—', '<= 50 ms, no backlog growth', fmtMet(t.e2e1000?.met)],
    ['5b e2e p99 @1,000/s', v(r.e2e1000.p99Ms, 'ms', 'e2e1000', 'p99Ms', 1), '—', '—', '—', '—'],
    ['5b backlog grows @1,000/s', r.e2e1000.backlogGrows === null ? '—' : r.e2e1000.backlogGrows ? 'yes' : 'no', '—', '—', 'no', '—'],
    ['6 worker peak RSS', v(r.worker.peakRssMb, 'MiB', 'worker', 'peakRssMb'), '—', '—', 'flat, <= 200 MiB', fmtMet(t.workerRss?.met)],
    [`7 recognition run (${r.recognitionRun.lines === null ? '?' : fmtN(r.recognitionRun.lines, 0)} lines)`, v(r.recognitionRun.seconds, 's', 'recognitionRun', 'seconds', 2), '—', '—', '—', '—'],
    ['9 NATS JetStream forwarder', v(r.nats.eventsPerSec, 'events/s', 'nats', 'eventsPerSec'), '—', '—', '—', '—'],
    ['10 posting, invoice with 1 prior event', v(r.history.postMsAt1, 'ms', 'history', 'postMsAt1', 2), '—', '—', '—', '—'],
    ['10 posting, 100 prior events', v(r.history.postMsAt100, 'ms', 'history', 'postMsAt100', 2), plain(r.history.postMsAt1, 'ms', 2), ratioOf(r.history.postMsAt100, r.history.postMsAt1), '—', '—'],
    ['10 posting, 1,000 prior events', v(r.history.postMsAt1000, 'ms', 'history', 'postMsAt1000', 2), plain(r.history.postMsAt1, 'ms', 2), ratioOf(r.history.postMsAt1000, r.history.postMsAt1), '<= 1.5x', fmtMet(t.history?.met)],
    [`11 rebuild analytics from scratch (${r.rebuild.events === null ? '?' : fmtN(r.rebuild.events, 0)} events)`, v(r.rebuild.fromScratchSeconds, 's', 'rebuild', 'fromScratchSeconds', 2), '—', '—', '—', '—'],
    ['11 rebuild from a snapshot 1,000 events behind', v(r.rebuild.fromSnapshotSeconds, 's', 'rebuild', 'fromSnapshotSeconds', 2), plain(r.rebuild.fromScratchSeconds, 's', 2), ratioOf(r.rebuild.fromSnapshotSeconds, r.rebuild.fromScratchSeconds), '>= 10x faster', fmtMet(t.rebuild?.met)],
    [`12 revenue by month (${r.reports.entries === null ? '?' : fmtN(r.reports.entries, 0)} entries)`, v(r.reports.revenueByMonthMs, 'ms', 'reports', 'revenueByMonthMs', 1), '—', '—', '<= 200 ms', fmtMet(t.reportsRevenue?.met)],
    ['12 closing balances', v(r.reports.closingBalancesMs, 'ms', 'reports', 'closingBalancesMs', 1), '—', '—', '<= 200 ms', fmtMet(t.reportsClosing?.met)],
    ['13 webhook deliveries (local receiver)', v(r.webhooks.deliveriesPerSec, 'deliveries/s', 'webhooks', 'deliveriesPerSec'), '—', '—', '—', '—'],
    ['13 webhook commit→received p95', v(r.webhooks.p95Ms, 'ms', 'webhooks', 'p95Ms', 1), '—', '—', '—', '—'],
    ...r.scale.map((row, i) => {
      const s = (r.figures.scale?.detail?.combinations as { spread?: Spread | null }[] | undefined)?.[i]?.spread;
      const spreadText = s && s.runs > 1 ? ` (${fmtN(s.min, 0)}–${fmtN(s.max, 0)})` : '';
      return [
        `8 scale: ${row.workers} worker${row.workers > 1 ? 's' : ''}, ${row.relays} relay${row.relays > 1 ? 's' : ''}${cores ? ` (${cores} cores)` : ''}`,
        row.eventsPerSec === null ? PENDING : `${fmtN(row.eventsPerSec, 0)} events/s${spreadText}`,
        '—', '—', '—', '—',
      ];
    }),
    ...r.apiScale.map((row) => [
      `14 API scale: ${row.processes} API process${row.processes > 1 ? 'es' : ''}${cores ? ` (${cores} cores)` : ''}`,
      row.requestsPerSec === null ? PENDING : `${fmtN(row.requestsPerSec, 0)} req/s, p95 ${row.p95Ms === null ? '—' : fmtN(row.p95Ms, 1)} ms`,
      '—', '—', '—', '—',
    ]),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  const line = (row: string[]) => `| ${row.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')} |`;
  const sep = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [line(rows[0]!), sep, ...rows.slice(1).map(line)].join('\n');
}
