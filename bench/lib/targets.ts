type N = number | null;

/** The figures the targets read (report.ts fills them from the medians and paired ratios). */
export type TargetInputs = {
  pipeline: { eventsPerSec: N; ratioToPgBoss: N };
  pipelineAll: { ratioToPgBoss: N };
  e2e: { p95Ms: N; p99Ms: N; p95RatioToPgBoss: N };
  e2e1000: { p95Ms: N; backlogGrows: boolean | null };
  invoiceSql: { ratioToInsert: N };
  http: { ratioToInvoiceSql: N; p95Ms: N };
  worker: { peakRssMb: N; rssGrowsWithN: boolean | null };
  history?: { postMsAt1: N; postMsAt1000: N };
  rebuild?: { fromScratchSeconds: N; fromSnapshotSeconds: N };
  reports?: { revenueByMonthMs: N; closingBalancesMs: N };
};

export type Targets = Record<string, { target: string; met: boolean | null }>;

// null: not measured (or invalid), so neither met nor missed.
const all = (...xs: (boolean | null)[]) => (xs.some((x) => x === null) ? null : xs.every(Boolean));
const atMost = (v: N, limit: number) => (v === null ? null : v <= limit);
const atLeast = (v: N, limit: number) => (v === null ? null : v >= limit);
const not = (v: boolean | null) => (v === null ? null : !v);
const ratio = (a: N | undefined, b: N | undefined): N => (a == null || b == null || b === 0 ? null : a / b);

/** Issue 10's targets table, each met (true), missed (false) or not measured (null). */
export function evaluateTargets(r: TargetInputs): Targets {
  return {
    pipeline: {
      target: '>= 10,000 events/s and >= 0.5 x bare pg-boss drain',
      met: all(atLeast(r.pipeline.eventsPerSec, 10_000), atLeast(r.pipeline.ratioToPgBoss, 0.5)),
    },
    pipelineAll: { target: '>= 0.25 x bare pg-boss drain (all default subscribers)', met: atLeast(r.pipelineAll.ratioToPgBoss, 0.25) },
    e2eP95: { target: 'p95 <= 25 ms at 200 events/s', met: atMost(r.e2e.p95Ms, 25) },
    e2eP99: { target: 'p99 <= 50 ms at 200 events/s', met: atMost(r.e2e.p99Ms, 50) },
    e2eVsPgBoss: { target: 'p95 <= 2 x bare pg-boss send→start p95', met: atMost(r.e2e.p95RatioToPgBoss, 2) },
    e2e1000: { target: 'p95 <= 50 ms at 1,000 events/s, no backlog growth', met: all(atMost(r.e2e1000.p95Ms, 50), not(r.e2e1000.backlogGrows)) },
    invoiceSql: { target: '>= 0.5 x single-row INSERT tx/s', met: atLeast(r.invoiceSql.ratioToInsert, 0.5) },
    http: { target: '>= 0.5 x the SQL-only invoice write', met: atLeast(r.http.ratioToInvoiceSql, 0.5) },
    httpP95: { target: 'p95 <= 20 ms', met: atMost(r.http.p95Ms, 20) },
    workerRss: { target: 'RSS flat in N and peak <= 200 MiB', met: all(not(r.worker.rssGrowsWithN), atMost(r.worker.peakRssMb, 200)) },
    // Issue 15.
    history: { target: 'posting with 1,000 prior events <= 1.5 x with 1', met: atMost(ratio(r.history?.postMsAt1000, r.history?.postMsAt1), 1.5) },
    rebuild: { target: 'rebuild from a snapshot >= 10 x faster than from scratch', met: atLeast(ratio(r.rebuild?.fromScratchSeconds, r.rebuild?.fromSnapshotSeconds), 10) },
    reportsRevenue: { target: 'revenue by month <= 200 ms (1M entries, 36 months)', met: atMost(r.reports?.revenueByMonthMs ?? null, 200) },
    reportsClosing: { target: 'closing balances <= 200 ms (1M entries, 36 months)', met: atMost(r.reports?.closingBalancesMs ?? null, 200) },
  };
}
