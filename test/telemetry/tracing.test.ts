import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { appendEvents, toStoredEvent } from '../../src/events/appendEvents.ts';
import { readStoredEvent } from '../../src/events/envelope.ts';
import { ATTR, SPAN } from '../../src/telemetry/names.ts';
import {
  contextFromTraceparent,
  currentTraceparent,
  initTracing,
  startEventSpan,
  withSpan,
} from '../../src/telemetry/tracing.ts';
import { Hono } from 'hono';
import { httpTracingMiddleware } from '../../src/telemetry/httpTracing.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase.ts';

const invoiceCreated = {
  type: 'InvoiceCreated' as const,
  aggregateId: 'inv_trace',
  aggregateVersion: 1,
  occurredAt: '2026-01-01',
  data: { customerId: 'cus_1', currency: 'USD', lines: [{ lineId: 'l1', kind: 'revenue', description: 'Plan', amount: 1000 }] },
};

describe('trace propagation through the stored traceparent', () => {
  const exporter = new InMemorySpanExporter();
  let shutdown: () => Promise<void>;
  let t: TestDatabase;
  beforeAll(async () => {
    shutdown = initTracing({ serviceName: 'accrue-test', exporter });
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.drop();
    await shutdown();
  });

  it('continues the request trace in the worker from the traceparent stored with the event', async () => {
    exporter.reset();
    // Producer side: an HTTP span around the transaction that writes the event.
    const position = await withSpan(SPAN.httpRequest('POST', '/v1/invoices'), {}, async () =>
      withSpan(SPAN.dbTransaction('createInvoice'), {}, async () => {
        const traceparent = currentTraceparent();
        const [r] = await t.db.transaction().execute((tx) =>
          appendEvents(tx, [invoiceCreated], { correlationId: 'corr-trace', actor: 'test', traceparent }),
        );
        return r!.event.position;
      }),
      { kind: SpanKind.SERVER },
    );

    // Consumer side: only the stored row is shared, as across processes.
    const row = await t.db.selectFrom('events').selectAll().where('position', '=', position).executeTakeFirstOrThrow();
    expect(row.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const event = readStoredEvent(toStoredEvent(row));
    const started = startEventSpan(SPAN.jobAttempt('revenue'), event.traceparent,
      { [ATTR.eventId]: event.eventId, [ATTR.correlationId]: event.correlationId, [ATTR.invoiceId]: event.aggregateId });
    await context.with(trace.setSpan(started.parent, started.span), () => withSpan(SPAN.handler('revenue'), {}, async () => {}));
    started.span.end();

    const spans = exporter.getFinishedSpans();
    const byName = new Map(spans.map((s) => [s.name, s]));
    const http = byName.get('POST /v1/invoices')!;
    const tx = byName.get('transaction createInvoice')!;
    const attempt = byName.get('process revenue')!;
    const handler = byName.get('handle revenue')!;
    expect([http, tx, attempt, handler].every(Boolean)).toBe(true);
    const traceId = http.spanContext().traceId;
    expect(new Set(spans.map((s) => s.spanContext().traceId))).toEqual(new Set([traceId]));
    // The attempt is a child of the span that was active when the event was written.
    expect(attempt.parentSpanContext?.spanId).toBe(tx.spanContext().spanId);
    expect(handler.parentSpanContext?.spanId).toBe(attempt.spanContext().spanId);
    expect(attempt.kind).toBe(SpanKind.CONSUMER);
    expect(attempt.attributes[ATTR.eventId]).toBe(event.eventId);
    expect(attempt.attributes[ATTR.correlationId]).toBe('corr-trace');
  });

  it('starts a new trace linked to the original when replaying', async () => {
    exporter.reset();
    const stored = await withSpan('origin', {}, async () => currentTraceparent());
    startEventSpan('replay', stored, {}, { mode: 'link' }).span.end();
    const origin = exporter.getFinishedSpans().find((s) => s.name === 'origin')!;
    const replay = exporter.getFinishedSpans().find((s) => s.name === 'replay')!;
    expect(replay.spanContext().traceId).not.toBe(origin.spanContext().traceId);
    expect(replay.links.map((l) => l.context.spanId)).toContain(origin.spanContext().spanId);
  });

  it('records a thrown error on the span and rethrows it', async () => {
    exporter.reset();
    await expect(withSpan('failing', {}, async () => { throw new TypeError('boom'); })).rejects.toThrow('boom');
    const span = exporter.getFinishedSpans()[0]!;
    expect(span.status.code).toBe(2);
    expect(span.attributes[ATTR.errorType]).toBe('TypeError');
  });

  it('ignores a missing or malformed traceparent', () => {
    expect(trace.getSpanContext(contextFromTraceparent(null))).toBeUndefined();
    expect(trace.getSpanContext(contextFromTraceparent('not-a-traceparent'))).toBeUndefined();
  });

  it('names the HTTP span by route pattern and continues an incoming traceparent header', async () => {
    exporter.reset();
    const app = new Hono();
    app.use('*', httpTracingMiddleware());
    let inside: string | undefined;
    app.get('/v1/invoices/:id', (c) => { inside = currentTraceparent(); return c.json({}); });
    const caller = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const res = await app.request('/v1/invoices/inv_9', { headers: { traceparent: caller } });
    expect(res.status).toBe(200);
    const span = exporter.getFinishedSpans().find((s) => s.kind === SpanKind.SERVER)!;
    expect(span.name).toBe('GET /v1/invoices/:id');
    expect(span.attributes[ATTR.httpRoute]).toBe('/v1/invoices/:id');
    expect(span.attributes[ATTR.httpStatusCode]).toBe(200);
    expect(span.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(span.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    expect(inside).toBe(`00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`);
  });
});
