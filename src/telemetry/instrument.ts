import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type HrTime, type Span } from '@opentelemetry/api';
import { millisToHrTime } from '@opentelemetry/core';
import type { Logger } from 'pino';
import { eventLogger } from './logContext.ts';
import { recordArchived, recordHandled, recordHandlerDuration, recordRelayBatch, recordRetry, secondsSince } from './metrics.ts';
import { ATTR, DB_SYSTEM_POSTGRESQL, MESSAGING_OPERATION, MESSAGING_SYSTEM, SPAN } from './names.ts';
import { currentTraceparent, markSpanFailed, startEventSpan, tracer, withSpan } from './tracing.ts';

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

/**
 * Relay: one batch; fn returns how many events it moved (0 for an empty claim).
 * Only batches that moved events (or failed) become spans. Each relay loop claims
 * on every NOTIFY and at least once per ACCRUE_RELAY_POLL_MS (1 s) when idle, so
 * with the default 2 loops an idle relay would export ~2 empty spans/s, ~170k a
 * day per relay process, each saying "nothing happened". The span is therefore
 * created after fn settled, with fn's start time: its duration is the batch's, but
 * nothing runs inside it as a child (the batch creates no spans of its own).
 */
export async function traceRelayBatch(fn: () => Promise<number>): Promise<number> {
  const startTime = performance.timeOrigin + performance.now();
  const attributes: Attributes = { [ATTR.messagingSystem]: MESSAGING_SYSTEM, [ATTR.messagingOperationType]: MESSAGING_OPERATION.send };
  const startSpan = () => tracer().startSpan(SPAN.relayBatch, { kind: SpanKind.PRODUCER, attributes, startTime });
  let events: number;
  try {
    events = await fn();
  } catch (err) {
    const span = startSpan();
    markSpanFailed(span, err);
    span.end();
    throw err;
  }
  if (events > 0) {
    recordRelayBatch(events);
    const span = startSpan();
    span.setAttribute(ATTR.messagingBatchCount, events);
    span.end();
  }
  return events;
}

export type AttemptInfo = { queue: string; subscriber: string; jobId: string; attempt: number };

function attemptAttributes(info: AttemptInfo, event: EventForTelemetry): Attributes {
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
  };
  if (event.aggregateType === 'invoice') attributes[ATTR.invoiceId] = event.aggregateId;
  return attributes;
}

/**
 * How an attempt ended, once its transaction settled: handled (inbox committed),
 * deferred (re-enqueued, not a failure), retry (failed, pg-boss runs it again) or
 * archived (failed for the last time, or poison: it goes to the failed-job archive).
 */
export type AttemptOutcome = { kind: 'handled' | 'deferred' } | { kind: 'retry' | 'archived'; message: string };

/** One attempt whose span outlives a single function call (the worker's batches). */
export type JobAttempt = {
  /** The subscriber's logger for this attempt: correlation id, event id, subscriber, queue, job. */
  log: Logger;
  /** Runs handle() as the `handle {subscriber}` span under this attempt; the last run's duration is kept. */
  handle<T>(fn: () => Promise<T>): Promise<T>;
  /** Records this attempt's share of a batch handler run (handleBatch) as its last run. */
  ranInBatch(run: HandlerRun): void;
  /** Ends the attempt span and records its metrics; call after the transaction settled (`end`: now, for a batch's attempts). */
  end(outcome: AttemptOutcome, end?: AttemptEnd): void;
};

/**
 * When and under what context an attempt began: one for all the attempts a batch
 * starts together: `time` as the span takes it (epoch, HrTime), and `offset` what
 * turns the batch's performance times into epoch milliseconds: the conversion the SDK makes per span (its clock-drift
 * correction, Date.now() against performance.now()), made once per batch, so a
 * batch's 500 attempt spans share one start and one end time computed once each.
 */
export type AttemptStart = { active: Context; offset: number; time: HrTime };

export function attemptStart(): AttemptStart {
  const at = performance.now();
  const offset = Date.now() - at;
  return { active: context.active(), offset, time: Object.freeze(millisToHrTime(at + offset)) as HrTime };
}

/** Now, for the spans of attempts begun at `start` (epoch milliseconds and the span's end time). */
export type AttemptEnd = { epochMs: number; time: HrTime };

export function attemptEnd(start: AttemptStart): AttemptEnd {
  const epochMs = performance.now() + start.offset;
  return { epochMs, time: Object.freeze(millisToHrTime(epochMs)) as HrTime };
}

/** A handler run an attempt records (its last one): the handler-duration histogram's observation. */
export type HandlerRun = { outcome: 'ok' | 'error'; seconds: number };

/**
 * Worker: the `process {queue}` span of one attempt (child of the span that wrote the
 * event), from `start` until end(). A batch applies many events in one transaction,
 * so their handlers run under their own attempt span and the spans end after the
 * commit or rollback; commit → handled and handler duration are recorded then, never
 * for a transaction that rolled back. Nothing here touches the database.
 */
export function startJobAttempt(info: AttemptInfo, event: EventForTelemetry, log: Logger, start: AttemptStart = attemptStart()): JobAttempt {
  // The span is started when a handler first runs in it, or when the attempt ends,
  // with the attempt's start time and the context active then: the same span. A batch's
  // attempts wait for its round trips, long enough for the scavenger to copy and
  // promote what they hold (endJobAttempt: the attempts no handler ran in).
  let opened: { span: Span; parent: Context } | undefined;
  const open = () => (opened ??= startAttemptSpan(info, event, start));
  // Made on first use: a batch of 500 jobs whose handler runs once (handleBatch) reads
  // at most one attempt's logger, and a pino child per job was ~5 % of the worker's CPU.
  let attemptLog: Logger | undefined;
  let lastRun: HandlerRun | undefined;
  let ended = false;
  return {
    get log() {
      return (attemptLog ??= eventLogger(log, event, { subscriber: info.subscriber, queue: info.queue, jobId: info.jobId }));
    },
    handle(fn) {
      const { span, parent } = open();
      return context.with(trace.setSpan(parent, span), async () => {
        const started = performance.now();
        let outcome: 'ok' | 'error' = 'error';
        try {
          const result = await withSpan(SPAN.handler(info.subscriber), { [ATTR.subscriber]: info.subscriber, [ATTR.eventId]: event.eventId }, fn);
          outcome = 'ok';
          return result;
        } finally {
          lastRun = { outcome, seconds: (performance.now() - started) / 1000 };
        }
      });
    },
    ranInBatch(run) {
      lastRun = run;
    },
    end(outcome, end = attemptEnd(start)) {
      if (ended) return;
      ended = true;
      finishAttempt(open().span, info, event, lastRun, outcome, end);
      opened = undefined;
    },
  };
}

/**
 * An attempt no handler ran in (or that ran only inside a batch's handleBatch, whose
 * run is `lastRun`), ended: its span started at `start` and ended now, with the
 * metrics startJobAttempt's end() records. A batch keeps no object per attempt until it settles.
 */
export function endJobAttempt(info: AttemptInfo, event: EventForTelemetry, start: AttemptStart, lastRun: HandlerRun | undefined, outcome: AttemptOutcome, end: AttemptEnd = attemptEnd(start)): void {
  finishAttempt(startAttemptSpan(info, event, start).span, info, event, lastRun, outcome, end);
}

function startAttemptSpan(info: AttemptInfo, event: EventForTelemetry, start: AttemptStart) {
  return startEventSpan(SPAN.jobAttempt(info.queue), event.traceparent, () => attemptAttributes(info, event), { startTime: start.time, active: start.active });
}

function finishAttempt(span: Span, info: AttemptInfo, event: EventForTelemetry, lastRun: HandlerRun | undefined, outcome: AttemptOutcome, end: AttemptEnd): void {
  if (lastRun) recordHandlerDuration(info.subscriber, lastRun.outcome, lastRun.seconds);
  span.setAttribute(ATTR.jobOutcome, outcome.kind);
  if (outcome.kind === 'handled') recordHandled(info.subscriber, secondsSince(Date.parse(event.recordedAt), end.epochMs));
  if (outcome.kind === 'retry') recordRetry(info.queue, info.subscriber);
  if (outcome.kind === 'archived') recordArchived(info.queue, info.subscriber);
  if (outcome.kind === 'retry' || outcome.kind === 'archived') span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.message });
  // An HrTime, as its start was: the SDK would time a span given its start by the clock otherwise.
  span.end(end.time);
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
