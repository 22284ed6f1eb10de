import { z } from 'zod';
import { ValidationError } from './errors.ts';
import { EVENT_TYPE_NAMES, type EventType } from './events/eventTypes.ts';
import type { Limits } from './values/limits.ts';
import { webhookSecretProblem } from './values/webhookSecret.ts';

// The only reader of process.env. Every setting, its default and its meaning
// is here; README's config table is written from this file.
const boolFromEnv = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1');

const ConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  // Unset: start embedded Postgres with data under ACCRUE_DATA_DIR.
  DATABASE_URL: z.string().url().optional(),
  ACCRUE_DATA_DIR: z.string().default('.data'),
  ACCRUE_EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
  ACCRUE_DB_POOL_MAX: z.coerce.number().int().min(1).default(10),
  ACCRUE_BOOTSTRAP_TOKEN: z.string().min(16).optional(),
  ACCRUE_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(1024 * 1024),
  // Browser origins allowed to call the API (CORS), comma-separated, e.g.
  // https://books.example.com; '*' allows any. Unset: none (no CORS headers; a
  // server-side client needs none).
  ACCRUE_CORS_ORIGINS: z
    .string()
    .transform((s) => s.split(',').map((o) => o.trim()).filter((o) => o.length > 0))
    .pipe(z.array(z.union([z.literal('*'), z.string().regex(/^https?:\/\/[^/\s]+$/, 'an origin is scheme://host[:port], no path')])))
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ACCRUE_LOG_PRETTY: boolFromEnv.optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  OTEL_SERVICE_NAME: z.string().optional(),
  CI: boolFromEnv.optional(),

  // --- Subscribers that reach outside accrue ---
  // Notifications: 'file' appends JSON lines to ACCRUE_NOTIFY_FILE (default
  // <ACCRUE_DATA_DIR>/notifications.jsonl), 'log' writes them to the log, 'webhook'
  // POSTs them to ACCRUE_NOTIFY_WEBHOOK_URL behind the circuit breaker. Unset:
  // 'webhook' when that URL is set, else 'file'.
  ACCRUE_NOTIFY_CHANNEL: z.enum(['file', 'log', 'webhook']).optional(),
  ACCRUE_NOTIFY_FILE: z.string().min(1).optional(),
  ACCRUE_NOTIFY_WEBHOOK_URL: z.string().url().optional(),
  // Signs notification webhook deliveries like ACCRUE_WEBHOOK_SECRET does webhooks.
  // Optional so setups from before it keep starting: unset, they go unsigned and the
  // worker warns once.
  ACCRUE_NOTIFY_WEBHOOK_SECRET: z.string().optional(),
  // Imported events (POST /v1/events) are facts the sending billing system has already
  // acted on; notifying for them would, e.g., mail a year of receipts after a backfill.
  ACCRUE_NOTIFY_IMPORTED: boolFromEnv.default(false),
  // Webhooks: endpoints are registered through /v1/webhook-endpoints. ACCRUE_WEBHOOK_URL,
  // when set, is one more endpoint, made (or brought in line) at each worker's start:
  // every event of ACCRUE_WEBHOOK_EVENT_TYPES (comma-separated; default all invoice and
  // revenue events), signed the Standard Webhooks way with ACCRUE_WEBHOOK_SECRET:
  // whsec_<base64> (the key is the decoded bytes) or a plain string of 16+ characters
  // (the key is its utf8 bytes).
  ACCRUE_WEBHOOK_URL: z.string().url().optional(),
  ACCRUE_WEBHOOK_SECRET: z.string().optional(),
  ACCRUE_WEBHOOK_EVENT_TYPES: z
    .string()
    .transform((s) => s.split(',').map((t) => t.trim()).filter((t) => t.length > 0))
    .pipe(z.array(z.enum(EVENT_TYPE_NAMES as [EventType, ...EventType[]])).min(1))
    .optional(),
  // Webhook endpoints (/v1/webhook-endpoints). A failed delivery is tried again after
  // each of these delays in turn (comma-separated seconds; the Standard Webhooks / Svix
  // schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h), then it is failed (retry it by hand).
  ACCRUE_WEBHOOK_RETRY_SCHEDULE: z
    .string()
    .default('5,300,1800,7200,18000,36000')
    .transform((s) => s.split(',').map((t) => t.trim()).filter((t) => t.length > 0))
    .pipe(z.array(z.string().regex(/^\d{1,6}$/, 'whole seconds').transform(Number)).max(50)),
  // An endpoint that has failed every delivery for this long (seconds; 5 days) is
  // disabled, with a WebhookEndpointDisabled event; PATCH enabled=true turns it back on.
  ACCRUE_WEBHOOK_DISABLE_AFTER: z.coerce.number().int().min(1).default(5 * 86_400),
  // Webhook URLs that resolve to loopback, private, link-local or metadata addresses are
  // refused at registration and at delivery. true allows them: local development and tests.
  ACCRUE_WEBHOOK_ALLOW_PRIVATE: boolFromEnv.default(false),
  // Deliveries one worker process sends at once, and at most this many of them to one
  // endpoint: an endpoint that hangs holds at most that many and the rest carry on
  // (hence it must be smaller).
  ACCRUE_WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(200).default(8),
  ACCRUE_WEBHOOK_ENDPOINT_CONCURRENCY: z.coerce.number().int().min(1).max(200).default(4),
  // An outside endpoint that takes longer than this is a failure (retried by the worker).
  ACCRUE_OUTBOUND_TIMEOUT_MS: z.coerce.number().int().min(100).default(5000),
  // Circuit breaker: open after this many consecutive failures, for this long;
  // then one probe call decides (success closes it, failure reopens it).
  ACCRUE_BREAKER_FAILURES: z.coerce.number().int().min(1).default(5),
  ACCRUE_BREAKER_COOLDOWN_MS: z.coerce.number().int().min(100).default(30_000),
  // Overdue detection schedule (pg-boss cron, UTC): hourly at minute 0 by default.
  ACCRUE_OVERDUE_CRON: z.string().default('0 * * * *'),
  // Snapshots of rebuildable projections (analytics), so `accrue rebuild` replays only
  // the events after the latest (pg-boss cron, UTC): daily at 03:30 by default.
  ACCRUE_SNAPSHOT_CRON: z.string().default('30 3 * * *'),
  // Retention of bookkeeping (issue 15): inbox rows and completed pg-boss jobs older than
  // this many days are deleted by the worker on ACCRUE_RETENTION_CRON. Events, ledger
  // entries and the failed-job archive are the record and are never pruned.
  ACCRUE_RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500).default(30),
  ACCRUE_RETENTION_CRON: z.string().default('15 * * * *'),
  // Monthly partitions of the history tables (events, ledger_entries): the worker creates
  // this month's and this many more on ACCRUE_PARTITION_CRON (`accrue migrate` does too).
  ACCRUE_PARTITION_MONTHS_AHEAD: z.coerce.number().int().min(1).max(12).default(3),
  ACCRUE_PARTITION_CRON: z.string().default('45 * * * *'),
  // --- Event bus (relay, queues, workers). README/docs/operations.md list these. ---
  // Outbox rows the relay claims per transaction; 500 moves ~10k events/s on 2 cores.
  ACCRUE_RELAY_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(500),
  // Fallback poll when no NOTIFY arrives (lost notification, listener reconnecting).
  ACCRUE_RELAY_POLL_MS: z.coerce.number().int().min(10).default(1000),
  // Relay loops per relay process; they split the outbox with SKIP LOCKED. Two keep
  // Postgres busy while one of them is between round trips (~2x events/s on 2 cores).
  ACCRUE_RELAY_LOOPS: z.coerce.number().int().min(1).max(16).default(2),
  // A relay batch of at most this many events is applied by the relay itself for the
  // subscribers it runs that allow it (revenue, analytics), in the claim's transaction,
  // instead of as jobs: one commit and one hop fewer on the latency path. 0: never.
  // 100, not 16: at 1,000 events/s batches hold 10-30 events, and with 16 two thirds of
  // them went to bundles (e2e1000 p95 152-196 ms vs 77-128 ms at 100, docs/performance.md);
  // a backlog's batches (ACCRUE_RELAY_BATCH_SIZE, 500) still go to the workers.
  ACCRUE_RELAY_APPLY_MAX_EVENTS: z.coerce.number().int().min(0).max(10_000).default(100),
  // Retries after the first attempt: 5 -> 6 attempts before the archive.
  ACCRUE_QUEUE_RETRY_LIMIT: z.coerce.number().int().min(0).default(5),
  // First retry delay in whole seconds (pg-boss unit); doubled per retry with jitter.
  ACCRUE_QUEUE_RETRY_DELAY_SECONDS: z.coerce.number().int().min(0).default(2),
  ACCRUE_QUEUE_RETRY_BACKOFF: boolFromEnv.default(true),
  // Cap on the backoff delay.
  ACCRUE_QUEUE_RETRY_DELAY_MAX_SECONDS: z.coerce.number().int().min(1).default(300),
  // A job held longer than this (worker died, kill -9) goes back to retry.
  ACCRUE_QUEUE_EXPIRE_SECONDS: z.coerce.number().int().min(1).default(60),
  // Handlers per queue per worker process (pg-boss localConcurrency).
  ACCRUE_WORKER_CONCURRENCY: z.coerce.number().int().min(1).default(2),
  // Most jobs fetched and applied per transaction. A fetch takes what is ready up to this,
  // so a batch is one job when the bus is idle and this many under a backlog (500: about
  // 30 % less CPU per event than 100 in a drain, docs/performance.md).
  ACCRUE_WORKER_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(500),
  // Backstop poll of each queue; NOTIFY wakes workers sooner. Retries (start_after in the
  // future) are picked up by this poll, so it bounds how late a retry may run.
  ACCRUE_WORKER_POLL_SECONDS: z.coerce.number().min(0.5).default(1),
  // How often pg-boss checks for expired jobs (and refreshes queue stats).
  ACCRUE_BOSS_SUPERVISE_SECONDS: z.coerce.number().int().min(1).default(10),
  // Bound on finishing in-hand work at SIGTERM before jobs are handed back.
  ACCRUE_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
  // --- Events out of accrue: the feed's live stream and the NATS forwarder (issue 13) ---
  // Backstop read of the feed's one shared reader per API process while anyone streams
  // GET /v1/events/stream (the outbox NOTIFY wakes it sooner). An event whose commit
  // was held back by an older transaction that wrote no events arrives at most this late.
  ACCRUE_FEED_POLL_MS: z.coerce.number().int().min(10).default(1000),
  // A `: heartbeat` comment on every event stream this often, so proxies keep idle streams open.
  ACCRUE_SSE_HEARTBEAT_SECONDS: z.coerce.number().min(1).default(15),
  // NATS JetStream forwarder (`accrue forward nats`; `accrue start` runs it when the URL
  // is set): every event to <prefix>.<aggregateType>.<eventType> with Nats-Msg-Id = event id.
  ACCRUE_NATS_URL: z.string().min(1).optional(),
  ACCRUE_NATS_STREAM: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - only').default('ACCRUE_EVENTS'),
  ACCRUE_NATS_SUBJECT_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'dot-separated tokens without wildcards').default('accrue.events'),
  // The stream's retention when the forwarder creates it: limits (keep until limits),
  // interest (until every consumer acked), workqueue (until one consumer acked).
  ACCRUE_NATS_RETENTION: z.enum(['limits', 'interest', 'workqueue']).default('limits'),
  ACCRUE_NATS_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  // JetStream drops a repeated Nats-Msg-Id within this window; the forwarder also
  // resumes after the stream's last message, so a restart later than this repeats nothing.
  ACCRUE_NATS_DUPLICATE_WINDOW_SECONDS: z.coerce.number().int().min(1).default(120),
  // Events read and published per round; the position is recorded after each.
  ACCRUE_NATS_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(500),
  // --- Bounds on what one client request can make the system do (src/values/limits.ts) ---
  // Lines per invoice. A full re-fold of a revenue book (a late event dated before its
  // snapshot) reads every version, so lines x versions bounds it; 1,000 is also the event
  // contract's ceiling.
  ACCRUE_MAX_INVOICE_LINES: z.coerce.number().int().min(1).max(1000).default(1000),
  // Events per invoice (its version: the create, updates, payments, reminders; API and
  // import alike), past which updates and payments are refused; a void or delete is
  // still accepted. A posting reads the book's snapshot and the events since it (issue
  // 15), so its cost no longer grows with this; a late event dated before the snapshot
  // point re-folds every event of the invoice (revenue_book_events) in memory, which
  // this bounds.
  ACCRUE_MAX_INVOICE_EVENTS: z.coerce.number().int().min(2).max(10_000).default(200),
  // Longest service period of a line; the waterfall and schedules walk it month by month.
  ACCRUE_MAX_SERVICE_PERIOD_YEARS: z.coerce.number().int().min(1).max(1000).default(100),
  // Business dates accepted from clients (invoice dates, service periods, report ranges).
  ACCRUE_MIN_YEAR: z.coerce.number().int().min(1).max(9999).default(1900),
  ACCRUE_MAX_YEAR: z.coerce.number().int().min(1).max(9999).default(2199),
  // Longest from..to range of a report, in months (100 years).
  ACCRUE_MAX_REPORT_MONTHS: z.coerce.number().int().min(1).default(1200),
  // --- Processes and their database ---
  // /livez, /readyz and /metrics of relay and worker, and of the API when set (then
  // /metrics leaves the public PORT). Unset: relay and worker take any free port and
  // log its URL, so api, relay and any number of workers share one host and one
  // environment file; containers set one fixed value (each has its own network).
  ACCRUE_OPS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  // One-shot commands (migrate, status, replay, audit...) wait this long for a
  // database that does not answer, then fail with one line. api, relay, worker and
  // start wait as long as it takes (retrying 0.5 s doubling to 10 s), not ready meanwhile.
  ACCRUE_DB_WAIT_SECONDS: z.coerce.number().min(0).default(10),
  // --- Database roles ---
  // The owner of accrue's tables, used only to migrate (`accrue migrate`, and at boot by
  // any process that has it) and to grant DATABASE_URL's role what the runtime needs.
  // Unset: DATABASE_URL is also the owner (one role, as before). README "Database roles".
  ACCRUE_MIGRATE_DATABASE_URL: z.string().url().optional(),
});

export type Config = z.infer<typeof ConfigSchema>;

// Settings that only make sense together.
const CheckedConfigSchema = ConfigSchema.superRefine((c, ctx) => {
  if (c.ACCRUE_WEBHOOK_URL && !c.ACCRUE_WEBHOOK_SECRET) {
    ctx.addIssue({ code: 'custom', path: ['ACCRUE_WEBHOOK_SECRET'], message: 'required when ACCRUE_WEBHOOK_URL is set (webhooks are signed)' });
  }
  for (const name of ['ACCRUE_WEBHOOK_SECRET', 'ACCRUE_NOTIFY_WEBHOOK_SECRET'] as const) {
    const problem = c[name] === undefined ? null : webhookSecretProblem(c[name]);
    if (problem) ctx.addIssue({ code: 'custom', path: [name], message: problem });
  }
  if (c.ACCRUE_NOTIFY_CHANNEL === 'webhook' && !c.ACCRUE_NOTIFY_WEBHOOK_URL) {
    ctx.addIssue({ code: 'custom', path: ['ACCRUE_NOTIFY_WEBHOOK_URL'], message: "required when ACCRUE_NOTIFY_CHANNEL is 'webhook'" });
  }
  if (c.ACCRUE_WEBHOOK_ENDPOINT_CONCURRENCY >= c.ACCRUE_WEBHOOK_CONCURRENCY) {
    ctx.addIssue({ code: 'custom', path: ['ACCRUE_WEBHOOK_ENDPOINT_CONCURRENCY'], message: 'must be below ACCRUE_WEBHOOK_CONCURRENCY (one endpoint must not hold every delivery loop)' });
  }
  if (c.ACCRUE_MIN_YEAR > c.ACCRUE_MAX_YEAR) {
    ctx.addIssue({ code: 'custom', path: ['ACCRUE_MIN_YEAR'], message: 'must not be above ACCRUE_MAX_YEAR' });
  }
  if (c.ACCRUE_BOOTSTRAP_TOKEN && SAMPLE_TOKEN.test(c.ACCRUE_BOOTSTRAP_TOKEN)) {
    ctx.addIssue({ code: 'custom', path: ['ACCRUE_BOOTSTRAP_TOKEN'], message: 'is a sample value; generate one: openssl rand -hex 32' });
  }
  if (c.ACCRUE_MIGRATE_DATABASE_URL && !c.DATABASE_URL) {
    // The embedded default sets up its owner and runtime roles itself; an owner URL
    // without the runtime role's would be silently ignored.
    ctx.addIssue({ code: 'custom', path: ['DATABASE_URL'], message: 'required when ACCRUE_MIGRATE_DATABASE_URL is set (the role api, relay and worker connect as)' });
  }
  // One outside call must fit in a job's expiry with room to spare, or a slow endpoint
  // gets every job handed out twice (bus/queues/externalBatchSize.ts sizes the batches).
  if (c.ACCRUE_OUTBOUND_TIMEOUT_MS > c.ACCRUE_QUEUE_EXPIRE_SECONDS * 1000 * 0.8) {
    ctx.addIssue({ code: 'custom', path: ['ACCRUE_OUTBOUND_TIMEOUT_MS'], message: 'must be at most 80% of ACCRUE_QUEUE_EXPIRE_SECONDS (in ms)' });
  }
});

// Sample values from docs and compose files: a token anyone can read is no secret.
const SAMPLE_TOKEN = /^(change[-_]?me|replace[-_]?me|changeit|example|sample|your[-_]|xxx)/i;

/** LOG_LEVEL asks for detail: the CLI then prints an error's stack under its one line. */
export function debugRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.LOG_LEVEL === 'debug' || env.LOG_LEVEL === 'trace';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = CheckedConfigSchema.safeParse(env);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ValidationError(`invalid configuration: ${issues}`);
  }
  return parsed.data;
}

/** The bounds of one client's requests (values/limits.ts), as configured. */
export function limitsOf(config: Config): Limits {
  return {
    maxInvoiceLines: config.ACCRUE_MAX_INVOICE_LINES,
    maxInvoiceEvents: config.ACCRUE_MAX_INVOICE_EVENTS,
    maxServicePeriodYears: config.ACCRUE_MAX_SERVICE_PERIOD_YEARS,
    minYear: config.ACCRUE_MIN_YEAR,
    maxYear: config.ACCRUE_MAX_YEAR,
    maxReportMonths: config.ACCRUE_MAX_REPORT_MONTHS,
  };
}

/** The documented defaults (above), for callers that were given no config (tests, tools). */
export const DEFAULT_LIMITS: Limits = limitsOf(loadConfig({}));
