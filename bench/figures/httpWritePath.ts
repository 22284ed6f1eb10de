import { randomBytes } from 'node:crypto';
import { connect } from '../../src/db/connect.ts';
import { startApiProcess } from '../lib/apiProcess.ts';
import { scratchDatabase } from '../lib/benchDatabase.ts';
import { loadHttp, type HttpLoadResult } from '../lib/httpLoad.ts';
import { INVOICE } from '../lib/invoiceBody.ts';
import { cpuPerRequest, postgresCpuReader, type CpuPerRequest, type CpuSample } from '../lib/processCpu.ts';
import type { BenchContext, Figure } from '../lib/types.ts';

type Variant = { label: string; idempotencyKeys: boolean; env?: Record<string, string> };

/** CPU ms per answered request: the API process, Postgres (the whole server), the load generator (the bench process). */

type Measured = HttpLoadResult & { label: string; customerId: string; apiCpuMsPerRequest: number | null; cpuMsPerRequest: CpuPerRequest };

async function measure(ctx: BenchContext, url: string, variant: Variant, seconds: number, postgresCpu: (() => Promise<number>) | null): Promise<Measured> {
  const token = randomBytes(24).toString('base64url');
  const api = await startApiProcess({ databaseUrl: url, token, env: variant.env });
  try {
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const res = await fetch(`${api.url}/v1/customers`, { method: 'POST', headers, body: JSON.stringify({ name: 'Bench', email: 'bench@example.com' }) });
    if (res.status !== 201) throw new Error(`customer create: ${res.status} ${await res.text()}`);
    const customerId = ((await res.json()) as { id: string }).id;
    const body = INVOICE(customerId);
    const run = randomBytes(4).toString('hex');
    const load = (durationSeconds: number, onSecond?: (s: number) => void) =>
      loadHttp({
        url: api.url,
        method: 'POST',
        path: '/v1/invoices',
        headers,
        connections: ctx.concurrency,
        durationSeconds,
        onSecond,
        request: (i) => (variant.idempotencyKeys ? { body, headers: { 'idempotency-key': `bench-${run}-${i}` } } : { body }),
      });
    // JIT, pool connections and plan caches warm up before the clock starts.
    await load(2);
    const task = ctx.progress.task(`HTTP ${variant.label}, ${ctx.concurrency} connections`, seconds);
    try {
      const cpu = async (): Promise<CpuSample> => ({ api: await api.cpuSeconds(), postgres: postgresCpu ? await postgresCpu() : null, self: process.cpuUsage() });
      const before = await cpu();
      const result = await load(seconds, (s) => task.update(Math.min(s, seconds)));
      const after = await cpu();
      if (result.total === 0) throw new Error(`no 2xx answers (${result.non2xx} non-2xx, ${result.errors} errors)`);
      // The number to compare across runs (cpuPerRequest); apiCpuMsPerRequest is kept for the JSON.
      const cpuMsPerRequest = cpuPerRequest(before, after, result.total + result.non2xx);
      return { label: variant.label, customerId, apiCpuMsPerRequest: cpuMsPerRequest.api, cpuMsPerRequest, ...result };
    } finally {
      task.done();
    }
  } finally {
    await api.stop();
  }
}

/**
 * Issue 6 figure 3: invoice creations per second and latency percentiles over
 * loopback, autocannon at the same concurrency as the INSERT baseline (figure 1),
 * against `accrue api` in its own process as deployed (tracing on, access log at
 * info). Each request is one invoice: invoice row + InvoiceCreated event + outbox
 * row, one statement, committed before the 201. The headline is the plain POST;
 * the detail adds the same POST with a unique Idempotency-Key (a transaction of
 * four statements, first round only). The SQL-only ceiling (the same statement
 * through pgbench) is the invoiceSql figure, run just before this one in each round.
 * Runs in a database of its own. report.ts divides requestsPerSec by the INSERT
 * baseline (ratioToInsert) and by invoiceSql (ratioToInvoiceSql) of the same round.
 */
export const httpWritePath: Figure = {
  key: 'http',
  title: 'accrue HTTP write path (POST /v1/invoices)',
  async run(ctx) {
    const seconds = ctx.quick ? 5 : 15;
    // The Idempotency-Key variant is detail, not a headline: first round only.
    const variants: Variant[] = [
      { label: 'POST /v1/invoices', idempotencyKeys: false },
      ...(ctx.round === 1 ? [{ label: 'POST /v1/invoices with Idempotency-Key', idempotencyKeys: true }] : []),
    ];
    const db = await scratchDatabase(ctx.adminUrl, 'accrue_bench_http');
    const handle = connect(db.url, { max: 1 });
    try {
      const postgresCpu = await postgresCpuReader(handle.db);
      const results: Measured[] = [];
      for (const v of variants) results.push(await measure(ctx, db.url, v, seconds, postgresCpu));
      const head = results[0]!;
      return {
        status: 'measured',
        summary: { requestsPerSec: head.requestsPerSec, p50Ms: head.p50Ms, p95Ms: head.p95Ms, p99Ms: head.p99Ms },
        detail: {
          connections: ctx.concurrency,
          seconds,
          variants: results.map(({ label, requestsPerSec, p50Ms, p95Ms, p99Ms, maxMs, total, non2xx, errors, apiCpuMsPerRequest, cpuMsPerRequest }) => ({
            label, requestsPerSec, p50Ms, p95Ms, p99Ms, maxMs, total, non2xx, errors, apiCpuMsPerRequest, cpuMsPerRequest,
          })),
        },
        note:
          `autocannon, ${ctx.concurrency} connections, ${seconds} s per variant; ` +
          results.map((r) => `${r.label}: ${r.requestsPerSec} req/s p95 ${r.p95Ms} ms, CPU ms/request API ${r.cpuMsPerRequest.api}, Postgres ${r.cpuMsPerRequest.postgres}, load generator ${r.cpuMsPerRequest.loadGenerator}`).join('; '),
      };
    } finally {
      await handle.close();
      await db.drop();
    }
  },
};
