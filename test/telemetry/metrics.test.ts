import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { appendEvents } from '../../src/events/appendEvents.ts';
import { httpMetricsMiddleware, metricsHandler } from '../../src/telemetry/httpMetrics.ts';
import {
  recordArchived,
  recordHandled,
  recordHandlerDuration,
  recordRelayBatch,
  recordRetry,
  renderMetrics,
  setScrapeSources,
} from '../../src/telemetry/metrics.ts';
import { createCircuitBreaker } from '../../src/bus/breaker/circuitBreaker.ts';
import { busScrapeSources } from '../../src/bus/operator/busScrapeSources.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase.ts';

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('metrics', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    setScrapeSources({});
    await t.drop();
  });

  it('labels HTTP durations with the route pattern, not the raw path', async () => {
    const app = new Hono();
    app.use('*', httpMetricsMiddleware());
    app.get('/metrics', metricsHandler);
    app.get('/v1/invoices/:id', (c) => c.json({ id: c.req.param('id') }));
    app.post('/v1/invoices', () => { throw new Error('boom'); });
    await app.request('/v1/invoices/inv_123');
    await app.request('/v1/invoices/inv_456');
    await app.request('/v1/invoices', { method: 'POST' });
    await app.request('/nowhere/at/all');
    const res = await app.request('/metrics');
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(sample(text, 'accrue_http_server_request_duration_seconds_count{method="GET",route="/v1/invoices/:id",status_code="200"}')).toBe(2);
    expect(sample(text, 'accrue_http_server_request_duration_seconds_count{method="POST",route="/v1/invoices",status_code="500"}')).toBe(1);
    expect(sample(text, 'accrue_http_server_request_duration_seconds_count{method="GET",route="unmatched",status_code="404"}')).toBe(1);
    expect(text).not.toContain('inv_123');
  });

  it('exposes every pipeline instrument once recorded', async () => {
    recordHandled('revenue', 0.012);
    recordHandlerDuration('revenue', 'ok', 0.004);
    recordRelayBatch(250);
    recordRetry('revenue', 'revenue');
    recordArchived('webhooks', 'webhooks');
    // Breakers are read from the database on scrape (busScrapeSources): open a real one.
    const breaker = createCircuitBreaker({ db: t.db, name: 'webhooks', policy: { failureThreshold: 1, coolDownMs: 60_000, probeLeaseMs: 1_000 } });
    await breaker.run(new Date(), () => Promise.reject(new Error('endpoint down'))).catch(() => {});
    setScrapeSources({ breakerStates: busScrapeSources(t.db).breakerStates });
    const { body } = await renderMetrics();
    expect(sample(body, 'accrue_event_processing_seconds_count{subscriber="revenue"}')).toBe(1);
    expect(sample(body, 'accrue_event_processing_seconds_bucket{le="0.025",subscriber="revenue"}')).toBe(1);
    expect(sample(body, 'accrue_handler_duration_seconds_count{subscriber="revenue",outcome="ok"}')).toBe(1);
    expect(sample(body, 'accrue_relay_batch_events_sum')).toBe(250);
    expect(sample(body, 'accrue_job_retries_total{queue="revenue",subscriber="revenue"}')).toBe(1);
    expect(sample(body, 'accrue_failed_job_archived_total{queue="webhooks",subscriber="webhooks"}')).toBe(1);
    expect(sample(body, 'accrue_breaker_state{subscriber="webhooks"}')).toBe(2);
    expect(body).toContain('process_resident_memory_bytes');
  });

  it('reads outbox lag, queue jobs and archive size from their sources on scrape', async () => {
    setScrapeSources({
      relayLagSeconds: busScrapeSources(t.db).relayLagSeconds,
      queueJobs: async () => [
        { queue: 'revenue', state: 'created', count: 7 },
        { queue: 'revenue', state: 'active', count: 2 },
      ],
      archiveSize: async () => 4,
    });
    let { body } = await renderMetrics();
    expect(sample(body, 'accrue_relay_lag_seconds')).toBe(0); // empty outbox
    expect(sample(body, 'accrue_queue_jobs{queue="revenue",state="created"}')).toBe(7);
    expect(sample(body, 'accrue_queue_jobs{queue="revenue",state="active"}')).toBe(2);
    expect(sample(body, 'accrue_failed_job_archive_jobs')).toBe(4);

    await appendEvents(t.db, [{
      type: 'InvoiceCreated', aggregateId: 'inv_lag', occurredAt: '2026-01-01',
      data: { customerId: 'cus_1', currency: 'USD', lines: [{ lineId: 'l1', kind: 'revenue', amount: 100 }] },
    }], { correlationId: 'c', actor: 'test' });
    // A fresh source: one status read serves a scrape for a second.
    setScrapeSources({ relayLagSeconds: busScrapeSources(t.db).relayLagSeconds });
    await new Promise((r) => setTimeout(r, 20));
    ({ body } = await renderMetrics());
    expect(sample(body, 'accrue_relay_lag_seconds')).toBeGreaterThan(0);
  });

  it('still answers a scrape when a source fails, reporting that gauge as unknown', async () => {
    setScrapeSources({
      archiveSize: async () => { throw new Error('database down'); },
      queueJobs: async () => { throw new Error('database down'); },
    });
    const { body } = await renderMetrics();
    expect(sample(body, 'accrue_failed_job_archive_jobs')).toBeNaN();
    expect(body).not.toContain('accrue_queue_jobs{');
    expect(body).toContain('accrue_event_processing_seconds');
  });
});
