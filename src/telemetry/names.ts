import {
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_NAMESPACE,
  ATTR_DB_OPERATION_BATCH_SIZE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_SYSTEM_NAME,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVICE_NAME,
  ATTR_URL_PATH,
  DB_SYSTEM_NAME_VALUE_POSTGRESQL,
} from '@opentelemetry/semantic-conventions';

/**
 * Every span name, attribute key and metric name of accrue, in one place (STYLE.md 13).
 *
 * Spans follow the OpenTelemetry semantic conventions where one exists: HTTP server
 * spans are `{method} {route}`, messaging spans `{operation} {destination}`, database
 * spans `{operation} {collection}`. Stable keys (http.*, db.*, url.*, error.type) are
 * imported from @opentelemetry/semantic-conventions; the messaging keys are still in its
 * "incubating" entry point, which the package asks libraries not to depend on, so
 * they are copied here (as pg-boss does in its own telemetry.ts).
 * https://opentelemetry.io/docs/specs/semconv/messaging/messaging-spans/
 *
 * Metrics follow Prometheus naming: an `accrue_` prefix, base units in the name
 * (`_seconds`, `_bytes`), `_total` on counters, no unit on plain counts.
 */

export const SERVICE_NAMES = { api: 'accrue-api', relay: 'accrue-relay', worker: 'accrue-worker', all: 'accrue' } as const;
export type ServiceRole = keyof typeof SERVICE_NAMES;

/** The tracer (instrumentation scope) every accrue span is created with. */
export const TRACER_NAME = 'accrue';

export const MESSAGING_SYSTEM = 'pg-boss';

export const ATTR = {
  serviceName: ATTR_SERVICE_NAME,
  // HTTP (stable semconv)
  httpMethod: ATTR_HTTP_REQUEST_METHOD,
  httpRoute: ATTR_HTTP_ROUTE,
  httpStatusCode: ATTR_HTTP_RESPONSE_STATUS_CODE,
  urlPath: ATTR_URL_PATH,
  errorType: ATTR_ERROR_TYPE,
  // Database (stable semconv)
  dbSystem: ATTR_DB_SYSTEM_NAME,
  dbNamespace: ATTR_DB_NAMESPACE,
  dbOperation: ATTR_DB_OPERATION_NAME,
  dbCollection: ATTR_DB_COLLECTION_NAME,
  dbBatchSize: ATTR_DB_OPERATION_BATCH_SIZE,
  // Messaging (incubating semconv, copied)
  messagingSystem: 'messaging.system',
  messagingOperationType: 'messaging.operation.type',
  messagingOperationName: 'messaging.operation.name',
  messagingDestination: 'messaging.destination.name',
  messagingConsumerGroup: 'messaging.consumer.group.name',
  messagingMessageId: 'messaging.message.id',
  messagingConversationId: 'messaging.message.conversation_id',
  messagingBatchCount: 'messaging.batch.message_count',
  // accrue's own (no convention exists)
  invoiceId: 'accrue.invoice.id',
  eventId: 'accrue.event.id',
  eventType: 'accrue.event.type',
  eventPosition: 'accrue.event.position',
  eventCount: 'accrue.events.count',
  correlationId: 'accrue.correlation.id',
  subscriber: 'accrue.subscriber',
  queue: 'accrue.queue',
  jobAttempt: 'accrue.job.attempt',
  /** handled | deferred | retry | archived (see AttemptOutcome). */
  jobOutcome: 'accrue.job.outcome',
  command: 'accrue.command',
  ledgerEntryCount: 'accrue.ledger.entries.count',
} as const;

export const DB_SYSTEM_POSTGRESQL = DB_SYSTEM_NAME_VALUE_POSTGRESQL;
export const MESSAGING_OPERATION = { send: 'send', process: 'process' } as const;

/** Span names. Functions where the convention puts a low-cardinality target in the name. */
export const SPAN = {
  /** SERVER span, `{method} {route}`; route is the pattern (`/v1/invoices/:id`), never the raw path. */
  httpRequest: (method: string, route: string | undefined) => (route ? `${method} ${route}` : method),
  /** INTERNAL span around the one transaction that writes state rows + events (`command`: createInvoice, …). */
  dbTransaction: (command: string) => `transaction ${command}`,
  /** PRODUCER span for one relay batch: outbox rows claimed → jobs inserted → outbox rows deleted, one tx. */
  relayBatch: 'send accrue.outbox',
  /** CONSUMER span for one delivery attempt of one job (semconv `process {destination}`). */
  jobAttempt: (queue: string) => `process ${queue}`,
  /** INTERNAL span for the subscriber's handle(), inside the inbox transaction. */
  handler: (subscriber: string) => `handle ${subscriber}`,
  /** CLIENT span for the revenue subscriber's ledger insert (`{operation} {collection}`). */
  ledgerWrite: (table = 'ledger_entries') => `INSERT ${table}`,
} as const;

/** Prometheus metric names, labels and help texts. */
export const METRIC = {
  eventProcessing: {
    name: 'accrue_event_processing_seconds',
    help: 'Time from the event commit (recorded_at) to its subscriber having handled it (inbox commit).',
    labels: ['subscriber'],
  },
  handlerDuration: {
    name: 'accrue_handler_duration_seconds',
    help: 'Duration of one subscriber handle() call, by outcome.',
    labels: ['subscriber', 'outcome'],
  },
  relayLag: {
    name: 'accrue_relay_lag_seconds',
    help: 'Age of the oldest event still in the outbox (0 when it is empty).',
    labels: [],
  },
  relayBatchSize: {
    name: 'accrue_relay_batch_events',
    help: 'Events moved from the outbox to the queues per relay batch.',
    labels: [],
  },
  queueJobs: {
    name: 'accrue_queue_jobs',
    help: 'pg-boss jobs per queue and state, read when scraped.',
    labels: ['queue', 'state'],
  },
  retries: {
    name: 'accrue_job_retries_total',
    help: 'Job attempts that failed and were scheduled to run again.',
    labels: ['queue', 'subscriber'],
  },
  archiveSize: {
    name: 'accrue_failed_job_archive_jobs',
    help: 'Jobs currently held in the failed-job archive.',
    labels: [],
  },
  archiveGrowth: {
    name: 'accrue_failed_job_archived_total',
    help: 'Jobs moved into the failed-job archive by this process.',
    labels: ['queue', 'subscriber'],
  },
  breakerState: {
    name: 'accrue_breaker_state',
    help: 'Circuit breaker state per external subscriber: 0 closed, 1 half-open, 2 open.',
    labels: ['subscriber'],
  },
  archiveErrors: {
    name: 'accrue_failed_job_archive_errors_total',
    help: 'Attempts to write a failed job into the archive that failed; the job stays in the dead-letter queue and is retried.',
    labels: ['queue'],
  },
  unroutedEvents: {
    name: 'accrue_relay_unrouted_events_total',
    help: 'Events the relay moved out of the outbox that no registered subscription takes (they stay in the event store only).',
    labels: ['event_type'],
  },
  relayApplied: {
    name: 'accrue_relay_applied_events_total',
    help: 'Events a relay applied itself for a subscriber, in the transaction that claimed them, instead of making a job (ACCRUE_RELAY_APPLY_MAX_EVENTS).',
    labels: ['subscriber'],
  },
  relayApplyFallbacks: {
    name: 'accrue_relay_apply_fallbacks_total',
    help: 'Relay batches whose apply in the relay threw (handler, lock timeout, invalid event) and that went to jobs instead.',
    labels: [],
  },
  afterCommitErrors: {
    name: 'accrue_after_commit_effect_errors_total',
    help: 'Effects outside the database run after their transaction committed that failed; they stay pending and are retried.',
    labels: ['subscriber'],
  },
  httpDuration: {
    name: 'accrue_http_server_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status code.',
    labels: ['method', 'route', 'status_code'],
  },
} as const;

export const BREAKER_STATE_VALUE = { closed: 0, halfOpen: 1, open: 2 } as const;
export type BreakerState = keyof typeof BREAKER_STATE_VALUE;

/**
 * Keys of the context fields on JSON log lines. trace_id/span_id follow the
 * OpenTelemetry log data model's JSON names, so log backends link lines to traces.
 */
export const LOG_FIELD = {
  traceId: 'trace_id',
  spanId: 'span_id',
  traceFlags: 'trace_flags',
  correlationId: 'correlationId',
  eventId: 'eventId',
  eventType: 'eventType',
  subscriber: 'subscriber',
  queue: 'queue',
  jobId: 'jobId',
  invoiceId: 'invoiceId',
} as const;

/**
 * The same instruments under OpenTelemetry names (dotted, unit separate), for the
 * OTLP metrics export (otelMetrics.ts). Prometheus names stay the /metrics contract.
 */
export const OTEL_METRIC = {
  eventProcessing: { name: 'accrue.event.processing.duration', unit: 's' },
  handlerDuration: { name: 'accrue.handler.duration', unit: 's' },
  relayLag: { name: 'accrue.relay.lag', unit: 's' },
  relayBatchSize: { name: 'accrue.relay.batch.size', unit: '{event}' },
  queueJobs: { name: 'accrue.queue.jobs', unit: '{job}' },
  retries: { name: 'accrue.job.retries', unit: '{attempt}' },
  archiveSize: { name: 'accrue.failed_job_archive.size', unit: '{job}' },
  archiveGrowth: { name: 'accrue.failed_job_archive.archived', unit: '{job}' },
  breakerState: { name: 'accrue.breaker.state', unit: '1' },
  httpDuration: { name: 'http.server.request.duration', unit: 's' },
  archiveErrors: { name: 'accrue.failed_job_archive.errors', unit: '{attempt}' },
  unroutedEvents: { name: 'accrue.relay.unrouted', unit: '{event}' },
  relayApplied: { name: 'accrue.relay.applied', unit: '{event}' },
  relayApplyFallbacks: { name: 'accrue.relay.apply_fallbacks', unit: '{batch}' },
  afterCommitErrors: { name: 'accrue.after_commit.errors', unit: '{effect}' },
} as const satisfies Record<keyof typeof METRIC, { name: string; unit: string }>;
