import { pending, type Figure } from '../lib/types.ts';

/**
 * Issue 6 figure 3: invoice creations per second and latency percentiles over
 * loopback, with autocannon at the same concurrency as the INSERT baseline.
 *
 * Pending: needs the HTTP API (POST /v1/invoices, bearer auth, Idempotency-Key)
 * from the api branch. To plug in: start the app on a free port against ctx.url
 * with ACCRUE_BOOTSTRAP_TOKEN set, then
 *   loadHttp({ url, method: 'POST', path: '/v1/invoices', connections: ctx.concurrency,
 *     durationSeconds: ctx.quick ? 5 : 15, headers: { authorization, 'content-type' },
 *     request: (i) => ({ body: invoiceJson(i), headers: { 'idempotency-key': `bench-${i}` } }) })
 * (bench/lib/httpLoad.ts) and return { requestsPerSec, p95Ms } (+ p50/p99); run.ts
 * computes ratioToInsert.
 */
export const httpWritePath: Figure = {
  key: 'http',
  title: 'accrue HTTP write path (POST /v1/invoices)',
  async run() {
    return pending({ requestsPerSec: null, p95Ms: null }, 'not measured (pending): needs POST /v1/invoices from the api branch');
  },
};
