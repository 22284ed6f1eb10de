import { Writable } from 'node:stream';
import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Subscriber } from '../../src/bus/contract/subscriber.ts';
import { appendEvents } from '../../src/events/appendEvents.ts';
import { createLogger } from '../../src/telemetry/logger.ts';
import { renderMetrics } from '../../src/telemetry/metrics.ts';
import { ATTR } from '../../src/telemetry/names.ts';
import { currentTraceparent, initTracing, withSpan } from '../../src/telemetry/tracing.ts';
import { applyBatch } from '../../src/bus/worker/applyBatch.ts';
import { invoiceCreated } from '../helpers/busTestKit.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase.ts';

function metric(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

/**
 * The worker's telemetry inside one batch (real Postgres, applyBatch as the worker
 * calls it): three events of one request in one batch, one handled, one failing on
 * its first attempt (retried), one failing on its last (archived), plus a poison
 * payload. The failure makes applyBatch roll the batch back and re-run it event by
 * event, so the good event's handler runs twice: its attempt must still count one
 * handler duration and one commit → handled. Costs: one test database, one batch.
 */
describe('worker batch telemetry', () => {
  const exporter = new InMemorySpanExporter();
  const lines: Record<string, unknown>[] = [];
  let shutdown: () => Promise<void>;
  let t: TestDatabase;
  beforeAll(async () => {
    shutdown = initTracing({ serviceName: 'accrue-worker-test', exporter });
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.drop();
    await shutdown?.();
  });

  it('one process span per job under the writer span, ended with the outcome after the commit; metrics once per attempt', async () => {
    const { writer, events } = await withSpan('transaction invoice.import', {}, async (span) => {
      const stored = await appendEvents(t.db, [1, 2, 3].map(invoiceCreated), {
        correlationId: 'corr-batch-1',
        traceparent: currentTraceparent(),
        actor: 'test',
      });
      return { writer: span.spanContext(), events: stored.map((r) => r.event) };
    });
    const failing = new Set([events[1]!.eventId, events[2]!.eventId]);
    const subscriber: Subscriber = {
      name: 'batchtel',
      eventTypes: ['InvoiceCreated'],
      async handle(event, ctx) {
        ctx.log.info('handling');
        if (failing.has(event.eventId)) throw new Error('endpoint down');
      },
    };
    const log = createLogger({ level: 'info', destination: new Writable({ write: (c, _e, done) => { lines.push(JSON.parse(String(c))); done(); } }) });
    exporter.reset();
    const jobs = [
      { id: uuidv7(), retryCount: 0, data: events[0] },
      { id: uuidv7(), retryCount: 0, data: events[1] },
      { id: uuidv7(), retryCount: 1, data: events[2] },
      { id: uuidv7(), retryCount: 0, data: { not: 'an event' } },
    ];
    const results = await applyBatch(t.db, subscriber, jobs, { queue: 'batchtel', log, retryLimit: 1, now: () => new Date() });
    expect(results.map((r) => r.status)).toEqual(['completed', 'failed', 'failed', 'deadletter']);

    const spans = exporter.getFinishedSpans();
    const attempts = spans.filter((s) => s.name === 'process batchtel');
    expect(attempts.map((s) => [s.attributes[ATTR.eventId], s.attributes[ATTR.jobAttempt], s.attributes[ATTR.jobOutcome], s.status.code])).toEqual([
      [events[0]!.eventId, 1, 'handled', SpanStatusCode.UNSET],
      [events[1]!.eventId, 1, 'retry', SpanStatusCode.ERROR],
      [events[2]!.eventId, 2, 'archived', SpanStatusCode.ERROR],
    ]);
    for (const a of attempts) {
      expect(a.kind).toBe(SpanKind.CONSUMER);
      expect(a.spanContext().traceId).toBe(writer.traceId);
      expect(a.parentSpanContext?.spanId).toBe(writer.spanId);
      expect(a.attributes[ATTR.correlationId]).toBe('corr-batch-1');
    }
    // The good event ran in the batch (rolled back) and again alone: two handle spans under one attempt.
    const handles = spans.filter((s) => s.name === 'handle batchtel');
    const under = (i: number) => handles.filter((h) => h.parentSpanContext?.spanId === attempts[i]!.spanContext().spanId).length;
    expect([under(0), under(1), under(2)]).toEqual([2, 2, 1]);

    const text = (await renderMetrics()).body;
    expect(metric(text, 'accrue_handler_duration_seconds_count{subscriber="batchtel",outcome="ok"}')).toBe(1);
    expect(metric(text, 'accrue_handler_duration_seconds_count{subscriber="batchtel",outcome="error"}')).toBe(2);
    expect(metric(text, 'accrue_event_processing_seconds_count{subscriber="batchtel"}')).toBe(1);
    expect(metric(text, 'accrue_job_retries_total{queue="batchtel",subscriber="batchtel"}')).toBe(1);
    // The last attempt of events[2] and the poison payload.
    expect(metric(text, 'accrue_failed_job_archived_total{queue="batchtel",subscriber="batchtel"}')).toBe(2);

    // The handler's lines: its event's ids, inside its handle span.
    const handling = lines.filter((l) => l.msg === 'handling' && l.eventId === events[0]!.eventId);
    expect(handling).toHaveLength(2);
    const handleIds = new Set(handles.map((h) => h.spanContext().spanId));
    for (const l of handling) {
      expect(l).toMatchObject({ trace_id: writer.traceId, correlationId: 'corr-batch-1', subscriber: 'batchtel', queue: 'batchtel', jobId: jobs[0]!.id });
      expect(handleIds.has(String(l.span_id))).toBe(true);
    }
  });
});
