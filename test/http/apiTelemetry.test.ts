import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { createLogger } from '../../src/telemetry/logger.ts';
import { ATTR } from '../../src/telemetry/names.ts';
import { initTracing } from '../../src/telemetry/tracing.ts';
import { createCustomer, createTestApi, invoiceBody, type TestApi } from '../helpers/testApi.ts';

/** Costs: one test database, ~12 requests through app.request(). */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe('API telemetry: one request, one trace, its events, its log lines and its metrics', () => {
  const exporter = new InMemorySpanExporter();
  const lines: string[] = [];
  let shutdown: () => Promise<void>;
  let api: TestApi;
  beforeAll(async () => {
    shutdown = initTracing({ serviceName: 'accrue-api-test', exporter });
    const log = createLogger({ level: 'info', destination: new Writable({ write: (c, _e, done) => { lines.push(String(c)); done(); } }) });
    api = await createTestApi({ log });
  });
  afterAll(async () => {
    await api.drop();
    await shutdown();
  });

  it('POST /v1/invoices: SERVER span → transaction span, whose traceparent is the one stored on the event', async () => {
    const customerId = await createCustomer(api);
    exporter.reset();
    lines.length = 0;
    const res = await api.call('POST', '/v1/invoices', { body: invoiceBody(customerId), headers: { 'x-correlation-id': 'corr-trace-1' } });
    expect(res.status).toBe(201);
    const invoiceId = res.body.id as string;

    const spans = exporter.getFinishedSpans();
    const server = spans.find((s) => s.name === 'POST /v1/invoices')!;
    const tx = spans.find((s) => s.name === 'transaction invoice.create')!;
    expect(server.kind).toBe(SpanKind.SERVER);
    expect(server.attributes[ATTR.httpRoute]).toBe('/v1/invoices');
    expect(server.attributes[ATTR.httpStatusCode]).toBe(201);
    expect(tx.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
    expect(tx.spanContext().traceId).toBe(server.spanContext().traceId);
    expect(tx.attributes[ATTR.invoiceId]).toBe(invoiceId);
    expect(tx.attributes[ATTR.correlationId]).toBe('corr-trace-1');

    const events = await api.t.db.selectFrom('events').select(['type', 'traceparent', 'correlation_id']).where('aggregate_id', '=', invoiceId).execute();
    expect(events).toEqual([
      { type: 'InvoiceCreated', correlation_id: 'corr-trace-1', traceparent: `00-${tx.spanContext().traceId}-${tx.spanContext().spanId}-01` },
    ]);

    // One access line for the request, in its trace, naming the route pattern.
    const access = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request');
    expect(access).toHaveLength(1);
    expect(access[0]).toMatchObject({
      method: 'POST', route: '/v1/invoices', status: 201, correlationId: 'corr-trace-1',
      trace_id: server.spanContext().traceId, span_id: server.spanContext().spanId,
    });
    expect(typeof access[0].durationMs).toBe('number');
  });

  it('continues a caller\'s trace (traceparent header) and keeps transactions in it on updates too', async () => {
    const customerId = await createCustomer(api, 'Grace');
    const created = await api.call('POST', '/v1/invoices', { body: invoiceBody(customerId) });
    exporter.reset();
    const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await api.call('POST', `/v1/invoices/${created.body.id}/void`, {
      body: { reason: 'duplicate' },
      headers: { traceparent: `00-${callerTrace}-00f067aa0ba902b7-01` },
    });
    expect(res.status).toBe(200);
    const tx = exporter.getFinishedSpans().find((s) => s.name === 'transaction invoice.void')!;
    expect(tx.spanContext().traceId).toBe(callerTrace);
    const voided = await api.t.db.selectFrom('events').select('traceparent').where('aggregate_id', '=', created.body.id).where('type', '=', 'InvoiceVoided').executeTakeFirstOrThrow();
    expect(voided.traceparent).toBe(`00-${callerTrace}-${tx.spanContext().spanId}-01`);
  });

  it('/metrics (no auth) counts HTTP requests by route pattern and status, and the counts move with traffic', async () => {
    const customerId = await createCustomer(api, 'Linus');
    const created = 'accrue_http_server_request_duration_seconds_count{method="POST",route="/v1/invoices",status_code="201"}';
    const missing = 'accrue_http_server_request_duration_seconds_count{method="GET",route="/v1/invoices/:id",status_code="404"}';
    const unauth = 'accrue_http_server_request_duration_seconds_count{method="GET",route="/v1/invoices",status_code="401"}';
    const scrape = async () => {
      const res = await api.call('GET', '/metrics', { token: null });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/plain');
      return res.body as string;
    };
    const before = await scrape();
    for (let i = 0; i < 3; i++) expect((await api.call('POST', '/v1/invoices', { body: invoiceBody(customerId) })).status).toBe(201);
    expect((await api.call('GET', '/v1/invoices/inv_nope')).status).toBe(404);
    expect((await api.call('GET', '/v1/invoices', { token: null })).status).toBe(401);
    const after = await scrape();
    expect(sample(after, created) - sample(before, created)).toBe(3);
    expect(sample(after, missing) - sample(before, missing)).toBe(1);
    expect(sample(after, unauth) - sample(before, unauth)).toBe(1);
    expect(after).toContain('accrue_http_server_request_duration_seconds_bucket{le="0.005",method="POST",route="/v1/invoices",status_code="201"}');
    expect(after).not.toContain('inv_nope');
  });
});
