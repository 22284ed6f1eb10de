import { context, trace } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { LOG_FIELD } from './names.ts';

/**
 * pino `mixin`: every line written inside an active span carries its trace_id and
 * span_id (createLogger in src/telemetry/logger.ts installs it). Outside a span it adds
 * nothing. Cost: one context lookup per line.
 */
export function traceMixin(): Record<string, string> {
  const sc = trace.getSpanContext(context.active());
  if (!sc || !trace.isSpanContextValid(sc)) return {};
  return {
    [LOG_FIELD.traceId]: sc.traceId,
    [LOG_FIELD.spanId]: sc.spanId,
    [LOG_FIELD.traceFlags]: sc.traceFlags.toString(16).padStart(2, '0'),
  };
}

/** The logger of one HTTP request or CLI command: every line names its correlation id. */
export function requestLogger(log: Logger, correlationId: string): Logger {
  return log.child({ [LOG_FIELD.correlationId]: correlationId });
}

/** The fields of a stored event a worker's log lines carry. */
type EventForLog = { eventId: string; type: string; correlationId: string; aggregateType?: string; aggregateId?: string };

/**
 * The logger a subscriber gets in SubscriberContext.log for one job attempt: each
 * line carries the event, its correlation id, the subscriber and the queue/job.
 */
export function eventLogger(log: Logger, event: EventForLog, where: { subscriber: string; queue?: string; jobId?: string }): Logger {
  return log.child({
    [LOG_FIELD.correlationId]: event.correlationId,
    [LOG_FIELD.eventId]: event.eventId,
    [LOG_FIELD.eventType]: event.type,
    [LOG_FIELD.subscriber]: where.subscriber,
    ...(where.queue ? { [LOG_FIELD.queue]: where.queue } : {}),
    ...(where.jobId ? { [LOG_FIELD.jobId]: where.jobId } : {}),
    ...(event.aggregateType === 'invoice' && event.aggregateId ? { [LOG_FIELD.invoiceId]: event.aggregateId } : {}),
  });
}
