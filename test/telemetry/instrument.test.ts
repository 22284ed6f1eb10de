import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { appendEvents, toStoredEvent } from '../../src/events/appendEvents.ts';
import { createLogger } from '../../src/telemetry/logger.ts';
import { startJobAttempt, traceLedgerWrite, traceRelayBatch, traceTransaction } from '../../src/telemetry/instrument.ts';
import { renderMetrics } from '../../src/telemetry/metrics.ts';
import { ATTR } from '../../src/telemetry/names.ts';
import { initTracing } from '../../src/telemetry/tracing.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase.ts';

describe('pipeline instrumentation', () => {
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

  it('tells one invoice story: transaction, relay batch, a failed and a retried attempt, handler, ledger write', async () => {
    const lines: string[] = [];
    const log = createLogger({ destination: new Writable({ write: (c, _e, done) => { lines.push(String(c)); done(); } }) });

    const position = await traceTransaction('createInvoice', { correlationId: 'corr-story', invoiceId: 'inv_story' }, (traceparent) =>
      t.db.transaction().execute(async (tx) => {
        const [r] = await appendEvents(tx, [{
          type: 'InvoiceCreated', aggregateId: 'inv_story', occurredAt: '2026-01-01',
          data: { customerId: 'cus_1', currency: 'USD', lines: [{ lineId: 'l1', kind: 'revenue', amount: 1200 }] },
        }], { correlationId: 'corr-story', actor: 'test', traceparent });
        return r!.event.position;
      }));
    await traceRelayBatch(async () => 1);

    const row = await t.db.selectFrom('events').selectAll().where('position', '=', position).executeTakeFirstOrThrow();
    const event = toStoredEvent(row);
    const where = { queue: 'revenue', subscriber: 'revenue', jobId: 'job-1' };
    // As the worker runs them (src/bus/worker/attemptTelemetry.ts): the attempt span outlives the handler and ends once the transaction settled.
    const first = startJobAttempt({ ...where, attempt: 1 }, event, log);
    await expect(first.handle(async () => {
      first.log.warn('ledger busy');
      throw new Error('deadlock detected');
    })).rejects.toThrow('deadlock');
    first.end({ kind: 'retry', message: 'deadlock detected' });
    const second = startJobAttempt({ ...where, attempt: 2 }, event, log);
    await second.handle(() =>
      traceLedgerWrite({ entries: 2, invoiceId: 'inv_story', eventId: event.eventId }, async () => second.log.info('posted')));
    second.end({ kind: 'handled' });

    const spans = exporter.getFinishedSpans();
    const tx = spans.find((s) => s.name === 'transaction createInvoice')!;
    const attempts = spans.filter((s) => s.name === 'process revenue');
    const ledger = spans.find((s) => s.name === 'INSERT ledger_entries')!;
    const relay = spans.find((s) => s.name === 'send accrue.outbox')!;
    expect(attempts).toHaveLength(2);
    for (const a of attempts) {
      expect(a.spanContext().traceId).toBe(tx.spanContext().traceId);
      expect(a.parentSpanContext?.spanId).toBe(tx.spanContext().spanId);
      expect(a.kind).toBe(SpanKind.CONSUMER);
      expect(a.attributes).toMatchObject({ [ATTR.invoiceId]: 'inv_story', [ATTR.correlationId]: 'corr-story', [ATTR.eventId]: event.eventId });
    }
    expect(attempts.map((a) => [a.attributes[ATTR.jobAttempt], a.status.code])).toEqual([[1, 2], [2, 0]]);
    expect(ledger.spanContext().traceId).toBe(tx.spanContext().traceId);
    expect(ledger.attributes).toMatchObject({ [ATTR.invoiceId]: 'inv_story', [ATTR.dbCollection]: 'ledger_entries', [ATTR.dbBatchSize]: 2 });
    expect(relay.attributes[ATTR.messagingBatchCount]).toBe(1);

    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed.map((l) => l.msg)).toEqual(['ledger busy', 'posted']);
    for (const l of parsed) {
      expect(l).toMatchObject({ eventId: event.eventId, correlationId: 'corr-story', subscriber: 'revenue', invoiceId: 'inv_story', trace_id: tx.spanContext().traceId });
    }

    const { body } = await renderMetrics();
    expect(body).toMatch(/^accrue_event_processing_seconds_count\{subscriber="revenue"\} 1$/m); // only the attempt that committed
    expect(body).toMatch(/^accrue_handler_duration_seconds_count\{subscriber="revenue",outcome="error"\} 1$/m);
    expect(body).toMatch(/^accrue_handler_duration_seconds_count\{subscriber="revenue",outcome="ok"\} 1$/m);
    expect(body).toMatch(/^accrue_relay_batch_events_count 1$/m);
  });
});
