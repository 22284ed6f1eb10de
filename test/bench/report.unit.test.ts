import { describe, expect, it } from 'vitest';
import { buildResults, renderTable } from '../../bench/lib/report.ts';
import { evaluateTargets, type TargetInputs } from '../../bench/lib/targets.ts';
import type { FigureResult } from '../../bench/lib/types.ts';

const m = (summary: Record<string, unknown>): FigureResult => ({ status: 'measured', summary });

/** Everything met, by a margin: each test breaks one figure. */
const passing = (): TargetInputs => ({
  pipeline: { eventsPerSec: 12_000, ratioToPgBoss: 0.6 },
  pipelineAll: { ratioToPgBoss: 0.3 },
  e2e: { p95Ms: 20, p99Ms: 40, p95RatioToPgBoss: 1.5 },
  e2e1000: { p95Ms: 45, backlogGrows: false },
  invoiceSql: { ratioToInsert: 0.6 },
  http: { ratioToInvoiceSql: 0.7, p95Ms: 15 },
  worker: { peakRssMb: 180, rssGrowsWithN: false },
  history: { postMsAt1: 4, postMsAt1000: 5.5 },
  rebuild: { fromScratchSeconds: 300, fromSnapshotSeconds: 3 },
  reports: { revenueByMonthMs: 150, closingBalancesMs: 180 },
});

describe('evaluateTargets (issue 10)', () => {
  it('meets every target when every figure is inside it', () => {
    const t = evaluateTargets(passing());
    expect(Object.entries(t).filter(([, v]) => v.met !== true)).toEqual([]);
  });

  it('issue 15: posting cost flat within 1.5x, rebuild from a snapshot 10x faster, reports within 200 ms', () => {
    const t = evaluateTargets({ ...passing(), history: { postMsAt1: 4, postMsAt1000: 6.1 }, rebuild: { fromScratchSeconds: 30, fromSnapshotSeconds: 3.1 }, reports: { revenueByMonthMs: 201, closingBalancesMs: 200 } });
    expect([t.history!.met, t.rebuild!.met, t.reportsRevenue!.met, t.reportsClosing!.met]).toEqual([false, false, false, true]);
  });

  it('misses the pipeline target on either half: 10,000 events/s or 0.5x pg-boss', () => {
    expect(evaluateTargets({ ...passing(), pipeline: { eventsPerSec: 9_999, ratioToPgBoss: 0.9 } }).pipeline!.met).toBe(false);
    expect(evaluateTargets({ ...passing(), pipeline: { eventsPerSec: 50_000, ratioToPgBoss: 0.49 } }).pipeline!.met).toBe(false);
  });

  it('holds each latency bound separately', () => {
    const t = evaluateTargets({ ...passing(), e2e: { p95Ms: 26, p99Ms: 51, p95RatioToPgBoss: 2.1 } });
    expect([t.e2eP95!.met, t.e2eP99!.met, t.e2eVsPgBoss!.met]).toEqual([false, false, false]);
  });

  it('misses e2e at 1,000/s when the backlog grows even with a good p95', () => {
    expect(evaluateTargets({ ...passing(), e2e1000: { p95Ms: 10, backlogGrows: true } }).e2e1000!.met).toBe(false);
    expect(evaluateTargets({ ...passing(), e2e1000: { p95Ms: 51, backlogGrows: false } }).e2e1000!.met).toBe(false);
  });

  it('judges HTTP against the SQL-only invoice write and its p95, and the worker on RSS peak as well as flatness', () => {
    const t = evaluateTargets({ ...passing(), http: { ratioToInvoiceSql: 0.4, p95Ms: 21 }, worker: { peakRssMb: 250, rssGrowsWithN: false } });
    expect([t.http!.met, t.httpP95!.met, t.workerRss!.met]).toEqual([false, false, false]);
    expect(evaluateTargets({ ...passing(), invoiceSql: { ratioToInsert: 0.3 } }).invoiceSql!.met).toBe(false);
  });

  it('says neither met nor missed when a figure was not measured or was invalid', () => {
    const t = evaluateTargets({ ...passing(), e2e1000: { p95Ms: null, backlogGrows: null }, pipeline: { eventsPerSec: 12_000, ratioToPgBoss: null } });
    expect(t.e2e1000!.met).toBeNull();
    expect(t.pipeline!.met).toBeNull();
  });
});

describe('buildResults', () => {
  const rounds = (): Record<string, FigureResult[]> => ({
    insertBaselineTps: [m({ insertBaselineTps: 10_000, preparedTps: 12_000 }), m({ insertBaselineTps: 4_000, preparedTps: 5_000 }), m({ insertBaselineTps: 9_000, preparedTps: 11_000 })],
    invoiceSql: [m({ tps: 6_000, preparedTps: 8_400 }), m({ tps: 2_000, preparedTps: 3_500 }), m({ tps: 5_400, preparedTps: 7_700 })],
    http: [m({ requestsPerSec: 3_000, p95Ms: 12 }), m({ requestsPerSec: 1_200, p95Ms: 30 }), m({ requestsPerSec: 2_700, p95Ms: 14 })],
    pgBossDrain: [m({ jobsPerSec: 20_000 }), m({ jobsPerSec: 10_000 }), m({ jobsPerSec: 18_000 })],
    pipeline: [m({ eventsPerSec: 10_000 }), m({ eventsPerSec: 5_000 }), m({ eventsPerSec: 9_000 })],
    pgBossLatency: [m({ p50Ms: 3, p95Ms: 10, p99Ms: 20, maxMs: 30 }), { status: 'invalid', summary: { p95Ms: null }, note: 'could not hold 200/s' }, m({ p50Ms: 3, p95Ms: 12, p99Ms: 20, maxMs: 30 })],
    e2e: [m({ ratePerSec: 200, p95Ms: 20, p99Ms: 30, samples: 1_000 }), m({ ratePerSec: 200, p95Ms: 80, p99Ms: 90, samples: 1_000 }), m({ ratePerSec: 200, p95Ms: 18, p99Ms: 30, samples: 1_000 })],
    scale: [
      {
        status: 'measured',
        summary: { rows: [{ workers: 1, relays: 1, eventsPerSec: 900 }, { workers: 2, relays: 1, eventsPerSec: 1_500 }] },
        detail: { combinations: [{ spread: { median: 900, min: 800, max: 1_000, runs: 3 } }, { spread: { median: 1_500, min: 1_500, max: 1_500, runs: 1 } }] },
      },
    ],
    apiScale: [m({ rows: [{ processes: 1, requestsPerSec: 600, p95Ms: 30.4 }, { processes: 2, requestsPerSec: 650, p95Ms: 28 }] })],
  });

  it('reports medians, and ratios paired within each round', () => {
    const r = buildResults(rounds(), {});
    expect(r.insertBaselineTps).toBe(9_000);
    // Each mode against the baseline's same mode: 0.7, 0.7, 0.7.
    expect(r.invoiceSql).toEqual({ tps: 5_400, ratioToInsert: 0.6, preparedRatioToInsert: 0.7 });
    // Round 2 was slow for both sides; its ratios match the others'.
    expect(r.http.ratioToInvoiceSql).toBe(0.5);
    expect(r.http.ratioToPreparedInvoiceSql).toBe(0.35);
    expect(r.http.ratioToInsert).toBe(0.3);
    expect(r.pipeline).toEqual({ eventsPerSec: 9_000, ratioToPgBoss: 0.5 });
    expect(r.scale).toEqual([{ workers: 1, relays: 1, eventsPerSec: 900 }, { workers: 2, relays: 1, eventsPerSec: 1_500 }]);
    expect(r.apiScale).toEqual([{ processes: 1, requestsPerSec: 600, p95Ms: 30.4 }, { processes: 2, requestsPerSec: 650, p95Ms: 28 }]);
  });

  it('pairs the e2e p95 only with the pg-boss latency rounds that held their rate', () => {
    const r = buildResults(rounds(), {});
    expect(r.pgBoss.p95Ms).toBe(11);
    expect(r.figures.pgBossLatency!.note).toContain('round 2: invalid');
    // Rounds 1 and 3: 20 / 10 and 18 / 12; round 2 (80 ms against an invalid baseline) left out.
    expect(r.e2e.p95RatioToPgBoss).toBe(1.75);
    expect(r.targets.e2eVsPgBoss!.met).toBe(true);
  });

  it('keeps every issue 6 key and adds issue 10\'s', () => {
    const r = buildResults(rounds(), {});
    for (const key of ['insertBaselineTps', 'pgBoss', 'http', 'pipeline', 'e2e', 'worker', 'recognitionRun', 'pipelineAll', 'e2e1000', 'invoiceSql', 'scale']) {
      expect(r).toHaveProperty(key);
    }
    expect(Object.keys(r.pgBoss)).toEqual(expect.arrayContaining(['jobsPerSec', 'p95Ms']));
    expect(Object.keys(r.http)).toEqual(expect.arrayContaining(['requestsPerSec', 'p95Ms', 'ratioToInsert', 'ratioToInvoiceSql']));
    expect(Object.keys(r.e2e)).toEqual(expect.arrayContaining(['ratePerSec', 'p50Ms', 'p95Ms', 'p99Ms', 'maxMs', 'samples']));
    expect(r.e2e1000).toMatchObject({ p95Ms: null, p99Ms: null });
    expect(r.pipelineAll).toEqual({ eventsPerSec: null, ratioToPgBoss: null });
  });

  it('renders median with range, met/NO per target, and invalid figures as invalid', () => {
    const input = rounds();
    input.e2e1000 = [{ status: 'invalid', summary: { p95Ms: null, p99Ms: null }, note: 'could not hold 1000/s' }];
    const table = renderTable(buildResults(input, { machine: { cpus: 2 } }), 2_000);
    expect(table).toMatch(/4 pipeline drain \(2,000 events\) *\| 9,000 events\/s \(5,000–10,000\) .*\| 0\.50x .*\| NO /);
    expect(table).toMatch(/3 HTTP p95 *\| 14 ms \(12–30\) .*\| met /);
    expect(table).toMatch(/5b e2e p95 @1,000\/s *\| invalid/);
    expect(table).toMatch(/8 scale: 1 worker, 1 relay \(2 cores\) *\| 900 events\/s \(800–1,000\) /);
    expect(table).toMatch(/8 scale: 2 workers, 1 relay \(2 cores\) *\| 1,500 events\/s /);
    expect(table).toMatch(/14 API scale: 2 API processes \(2 cores\) *\| 650 req\/s, p95 28 ms /);
  });
});
