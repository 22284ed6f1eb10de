import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { connect } from '../../src/db/connect.ts';
import { startApiProcess, type ApiProcess } from '../lib/apiProcess.ts';
import { scratchDatabase } from '../lib/benchDatabase.ts';
import { INVOICE } from '../lib/invoiceBody.ts';
import { loadHttp } from '../lib/httpLoad.ts';
import { cpuPerRequest, postgresCpuReader, type CpuSample } from '../lib/processCpu.ts';
import { spread } from '../lib/rounds.ts';
import { round, summarizeLatencies } from '../lib/stats.ts';
import type { BenchContext, Figure } from '../lib/types.ts';

/** Issue 15's API scale-out: `accrue api` processes on one database. */
export const API_PROCESSES = [1, 2, 4] as const;

type Measured = {
  processes: number;
  requestsPerSec: number;
  p95Ms: number;
  p50Ms: number;
  non2xx: number;
  errors: number;
  /** CPU ms per request: every API process together, Postgres (whole server), the load generator (this process). */
  cpuMsPerRequest: { api: number | null; postgres: number | null; loadGenerator: number };
};

/** `connections` split as evenly as the processes allow (10 over 4: 3, 3, 2, 2). */
export function splitConnections(connections: number, processes: number): number[] {
  const total = Math.max(connections, processes);
  return Array.from({ length: processes }, (_, i) => Math.floor(total / processes) + (i < total % processes ? 1 : 0));
}

async function measure(ctx: BenchContext, url: string, processes: number, seconds: number, postgresCpu: (() => Promise<number>) | null, label: string): Promise<Measured> {
  const token = randomBytes(24).toString('base64url');
  const apis: ApiProcess[] = [];
  try {
    apis.push(...(await Promise.all(Array.from({ length: processes }, () => startApiProcess({ databaseUrl: url, token })))));
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const res = await fetch(`${apis[0]!.url}/v1/customers`, { method: 'POST', headers, body: JSON.stringify({ name: 'Bench', email: 'bench@example.com' }) });
    if (res.status !== 201) throw new Error(`customer create: ${res.status} ${await res.text()}`);
    const body = INVOICE(((await res.json()) as { id: string }).id);
    const shares = splitConnections(ctx.concurrency, processes);
    // One closed-loop autocannon per process, all at once: a load balancer's even spread.
    const load = (durationSeconds: number, latencies?: number[], onSecond?: (s: number) => void) =>
      Promise.all(apis.map((api, i) => loadHttp({ url: api.url, method: 'POST', path: '/v1/invoices', headers, connections: shares[i]!, durationSeconds, latencies, request: () => ({ body }), ...(i === 0 ? { onSecond } : {}) })));
    // Warm-up as in the http figure, 2 s per process: each process's JIT and pool see about
    // as many requests before the clock starts as the single process does.
    await load(2 * processes);
    const task = ctx.progress.task(`HTTP with ${processes} API process${processes > 1 ? 'es' : ''} (${label})`, seconds);
    try {
      const cpu = async (): Promise<CpuSample> => ({ api: await sumCpu(apis), postgres: postgresCpu ? await postgresCpu() : null, self: process.cpuUsage() });
      const before = await cpu();
      const latencies: number[] = [];
      const results = await load(seconds, latencies, (s) => task.update(Math.min(s, seconds)));
      const after = await cpu();
      const answered = results.reduce((a, r) => a + r.total + r.non2xx, 0);
      if (results.every((r) => r.total === 0)) throw new Error(`no 2xx answers with ${processes} API processes`);
      return {
        processes,
        requestsPerSec: round(results.reduce((a, r) => a + r.requestsPerSec, 0)),
        ...pick(summarizeLatencies(latencies)),
        non2xx: results.reduce((a, r) => a + r.non2xx, 0),
        errors: results.reduce((a, r) => a + r.errors, 0),
        cpuMsPerRequest: cpuPerRequest(before, after, answered),
      };
    } finally {
      task.done();
    }
  } finally {
    await Promise.all(apis.map((a) => a.stop()));
  }
}

const pick = ({ p50Ms, p95Ms }: { p50Ms: number; p95Ms: number }) => ({ p50Ms, p95Ms });

async function sumCpu(apis: ApiProcess[]): Promise<number | null> {
  let total = 0;
  for (const api of apis) {
    const s = await api.cpuSeconds();
    if (s === null) return null;
    total += s;
  }
  return total;
}

/**
 * Issue 15: `POST /v1/invoices` with 1, 2 and 4 `accrue api` processes on one database
 * (each started as the http figure starts one), the same autocannon load as that figure
 * with its --concurrency connections split evenly over the processes (what a load
 * balancer would do; the total stays the same, so only the process count changes). The
 * counts run round-robin, twice (once with --quick), 10 s each (5 s quick); each row is
 * the median of its runs. The detail gives CPU per request of the API processes,
 * Postgres and the load generator: on a machine of C cores, their sum times the rate
 * is at most C, and that is where adding a process stops paying.
 */
export const apiScale: Figure = {
  key: 'apiScale',
  title: 'Scale-out: API processes (POST /v1/invoices)',
  async run(ctx) {
    const seconds = ctx.quick ? 5 : 10;
    const repeat = ctx.quick ? 1 : Math.min(ctx.repeat, 2);
    const db = await scratchDatabase(ctx.adminUrl, 'accrue_bench_apiscale');
    const handle = connect(db.url, { max: 1 });
    try {
      const postgresCpu = await postgresCpuReader(handle.db);
      const runs: Measured[][] = API_PROCESSES.map(() => []);
      for (let r = 1; r <= repeat; r++) {
        for (const [i, n] of API_PROCESSES.entries()) runs[i]!.push(await measure(ctx, db.url, n, seconds, postgresCpu, `${r}/${repeat}`));
      }
      const rows = API_PROCESSES.map((processes, i) => ({
        processes,
        requestsPerSec: spread(runs[i]!.map((m) => m.requestsPerSec))!.median,
        p95Ms: spread(runs[i]!.map((m) => m.p95Ms))!.median,
      }));
      return {
        status: 'measured',
        summary: { rows },
        detail: { cores: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', connections: ctx.concurrency, seconds, runs },
        note: rows.map((r) => `${r.processes} API: ${r.requestsPerSec} req/s p95 ${r.p95Ms} ms`).join('; ') + ` (${ctx.concurrency} connections in all, ${os.cpus().length} cores)`,
      };
    } finally {
      await handle.close();
      await db.drop();
    }
  },
};
