import { SpanKind, type Attributes } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { eventLogger } from './logContext.ts';
import { recordHandled, recordHandlerDuration, recordRelayBatch, secondsSince } from './metrics.ts';
import { ATTR, DB_SYSTEM_POSTGRESQL, MESSAGING_OPERATION, MESSAGING_SYSTEM, SPAN } from './names.ts';
import { currentTraceparent, withEventSpan, withSpan } from './tracing.ts';

/**
 * One call per pipeline step, so the API, relay and worker code stays free of span
 * and metric details. Each wraps the caller's function; nothing here touches the
 * database itself.
 */

/** The envelope fields telemetry reads (a StoredEvent has them all). */
export type EventForTelemetry = {
  eventId: string;
  type: string;
  correlationId: string;
  traceparent: string | null;
  aggregateType: string;
  aggregateId: string;
  recordedAt: string;
};

const invoiceAttr = (aggregateType: string, aggregateId: string): Attributes =>
  aggregateType === 'invoice' ? { [ATTR.invoiceId]: aggregateId } : {};

/**
 * API / CLI: the span around the one transaction that writes state + events. fn gets
 * the traceparent to store in the events (`appendEvents(tx, events, { traceparent })`).
 */
export function traceTransaction<T>(
  command: string,
  ids: { correlationId: string; invoiceId?: string },
  fn: (traceparent: string | undefined) => Promise<T>,
): Promise<T> {
  const attributes: Attributes = {
    [ATTR.dbSystem]: DB_SYSTEM_POSTGRESQL,
    [ATTR.command]: command,
    [ATTR.correlationId]: ids.correlationId,
    ...(ids.invoiceId ? { [ATTR.invoiceId]: ids.invoiceId } : {}),
  };
  return withSpan(SPAN.dbTransaction(command), attributes, () => fn(currentTraceparent()));
}

/** Relay: one batch; fn returns how many events it moved (0 for an empty claim). */
export function traceRelayBatch(fn: () => Promise<number>): Promise<number> {
  const attributes: Attributes = { [ATTR.messagingSystem]: MESSAGING_SYSTEM, [ATTR.messagingOperationType]: MESSAGING_OPERATION.send };
  return withSpan(
    SPAN.relayBatch,
    attributes,
    async (span) => {
      const events = await fn();
      span.setAttribute(ATTR.messagingBatchCount, events);
      if (events > 0) recordRelayBatch(events);
      return events;
    },
    { kind: SpanKind.PRODUCER },
  );
}

export type AttemptInfo = { queue: string; subscriber: string; jobId: string; attempt: number };

/**
 * Worker: one attempt of one job, as a child of the span that wrote the event (see
 * withEventSpan). fn gets a logger carrying the event's ids; it must return only
 * after the inbox transaction committed, so that commit → handled is recorded then.
 */
export function traceJobAttempt<T>(info: AttemptInfo, event: EventForTelemetry, log: Logger, fn: (log: Logger) => Promise<T>): Promise<T> {
  const attributes: Attributes = {
    [ATTR.messagingSystem]: MESSAGING_SYSTEM,
    [ATTR.messagingOperationType]: MESSAGING_OPERATION.process,
    [ATTR.messagingDestination]: info.queue,
    [ATTR.messagingConsumerGroup]: info.subscriber,
    [ATTR.messagingMessageId]: info.jobId,
    [ATTR.messagingConversationId]: event.correlationId,
    [ATTR.eventId]: event.eventId,
    [ATTR.eventType]: event.type,
    [ATTR.correlationId]: event.correlationId,
    [ATTR.subscriber]: info.subscriber,
    [ATTR.jobAttempt]: info.attempt,
    ...invoiceAttr(event.aggregateType, event.aggregateId),
  };
  return withEventSpan(SPAN.jobAttempt(info.queue), event.traceparent, attributes, async () => {
    const result = await fn(eventLogger(log, event, { subscriber: info.subscriber, queue: info.queue, jobId: info.jobId }));
    recordHandled(info.subscriber, secondsSince(new Date(event.recordedAt)));
    return result;
  });
}

/** Worker: the subscriber's handle() inside the inbox transaction; span + handler duration. */
export async function traceHandler<T>(subscriber: string, eventId: string, fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  let outcome: 'ok' | 'error' = 'error';
  try {
    const result = await withSpan(SPAN.handler(subscriber), { [ATTR.subscriber]: subscriber, [ATTR.eventId]: eventId }, fn);
    outcome = 'ok';
    return result;
  } finally {
    recordHandlerDuration(subscriber, outcome, (performance.now() - started) / 1000);
  }
}

/** Revenue subscriber: the ledger insert, as a database CLIENT span. */
export function traceLedgerWrite<T>(
  write: { table?: string; entries: number; invoiceId?: string; eventId: string },
  fn: () => Promise<T>,
): Promise<T> {
  const table = write.table ?? 'ledger_entries';
  const attributes: Attributes = {
    [ATTR.dbSystem]: DB_SYSTEM_POSTGRESQL,
    [ATTR.dbOperation]: 'INSERT',
    [ATTR.dbCollection]: table,
    // Semconv: db.operation.batch.size only for batches of two or more.
    ...(write.entries >= 2 ? { [ATTR.dbBatchSize]: write.entries } : {}),
    [ATTR.ledgerEntryCount]: write.entries,
    [ATTR.eventId]: write.eventId,
    ...(write.invoiceId ? { [ATTR.invoiceId]: write.invoiceId } : {}),
  };
  return withSpan(SPAN.ledgerWrite(table), attributes, fn, { kind: SpanKind.CLIENT });
}
