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
};

export type Targets = Record<string, { target: string; met: boolean | null }>;

// null: not measured (or invalid), so neither met nor missed.
const all = (...xs: (boolean | null)[]) => (xs.some((x) => x === null) ? null : xs.every(Boolean));
const atMost = (v: N, limit: number) => (v === null ? null : v <= limit);
const atLeast = (v: N, limit: number) => (v === null ? null : v >= limit);
const not = (v: boolean | null) => (v === null ? null : !v);

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
  };
}
