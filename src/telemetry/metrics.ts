import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { BREAKER_STATE_VALUE, METRIC, type BreakerState } from './names.ts';
import { initMetricsExport, otelInstruments } from './otelMetrics.ts';

/**
 * The Prometheus instruments of one process. Names and help
 * texts come from names.ts. Values the database knows better than the process
 * (outbox lag, jobs per queue and state, archive size) are read when /metrics is
 * scraped, through the sources the entry point sets with setScrapeSources(). A
 * source that fails does not fail the scrape: its gauge reads NaN ("unknown", which
 * Prometheus stores as such) or, when labelled, has no series in that scrape.
 */
export const registry = new Registry();
// process_resident_memory_bytes, nodejs_eventloop_lag_seconds, …: read on scrape, no timers.
collectDefaultMetrics({ register: registry });

// Commit → handled spans milliseconds (NOTIFY path) to minutes (retries with
// backoff); the design target is p95 <= 25 ms, so the low end is fine-grained.
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
// The OTel HTTP server duration buckets (semconv http.server.request.duration).
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
// Relay batches hold 1 .. a few thousand events.
const BATCH_BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000];

type Labels<K extends keyof typeof METRIC> = (typeof METRIC)[K]['labels'][number];
const def = <K extends keyof typeof METRIC>(key: K) => ({
  name: METRIC[key].name,
  help: METRIC[key].help,
  labelNames: [...METRIC[key].labels] as Labels<K>[],
  registers: [registry],
});

const eventProcessing = new Histogram({ ...def('eventProcessing'), buckets: LATENCY_BUCKETS });
const handlerDuration = new Histogram({ ...def('handlerDuration'), buckets: LATENCY_BUCKETS });
const relayBatchSize = new Histogram({ ...def('relayBatchSize'), buckets: BATCH_BUCKETS });
const httpDuration = new Histogram({ ...def('httpDuration'), buckets: HTTP_BUCKETS });
const retries = new Counter(def('retries'));
const archiveGrowth = new Counter(def('archiveGrowth'));
const archiveErrors = new Counter(def('archiveErrors'));
const unroutedEvents = new Counter(def('unroutedEvents'));
const relayApplied = new Counter(def('relayApplied'));
const relayApplyFallbacks = new Counter(def('relayApplyFallbacks'));
const afterCommitErrors = new Counter(def('afterCommitErrors'));
// Breakers live in the database, shared by every worker (src/bus/breaker): when a scrape
// source is set the gauge reads them on scrape, so each process reports the fleet's
// state, not only the transitions it happened to make itself.
const breakerState = new Gauge({
  ...def('breakerState'),
  async collect() {
    if (!sources.breakerStates) return;
    this.reset();
    await settle(sources.breakerStates, (rows) => rows.forEach((r) => this.set({ subscriber: r.name }, BREAKER_STATE_VALUE[r.state])));
  },
});

let sources: ScrapeSources = {};

export type QueueJobCount = { queue: string; state: string; count: number };
export type ScrapeSources = {
  /** Seconds since the oldest outbox row was recorded; 0 when the outbox is empty. */
  relayLagSeconds?: () => Promise<number>;
  queueJobs?: () => Promise<QueueJobCount[]>;
  archiveSize?: () => Promise<number>;
  /** Every circuit breaker and its state (getBreakerStates). */
  breakerStates?: () => Promise<{ name: string; state: BreakerState }[]>;
};

/** Called once by the entry point that serves /metrics (src/bus/operator/busScrapeSources.ts is the one the processes use). */
export function setScrapeSources(next: ScrapeSources): void {
  sources = next;
}

async function settle<T>(source: (() => Promise<T>) | undefined, apply: (value: T) => void, unknown?: () => void): Promise<void> {
  if (!source) return;
  try {
    apply(await source());
  } catch {
    // A scrape during a database outage still returns the in-process metrics;
    // readiness (/readyz) is where the outage is reported.
    unknown?.();
  }
}

new Gauge({
  ...def('relayLag'),
  async collect() {
    this.reset();
    await settle(sources.relayLagSeconds, (s) => this.set(s), () => this.set(Number.NaN));
  },
});
new Gauge({
  ...def('queueJobs'),
  async collect() {
    this.reset();
    await settle(sources.queueJobs, (rows) => rows.forEach((r) => this.set({ queue: r.queue, state: r.state }, r.count)));
  },
});
new Gauge({
  ...def('archiveSize'),
  async collect() {
    this.reset();
    await settle(sources.archiveSize, (n) => this.set(n), () => this.set(Number.NaN));
  },
});

// The worker records these two once per event and subscriber: each label set's child
// is made once (prom-client builds a closure and a label object per observe otherwise).
type Observer = { observe(value: number): void };
const handledBy = new Map<string, Observer>();
const handlerRunsBy = new Map<string, Record<'ok' | 'error', Observer>>();

/** Event commit (recorded_at) → its subscriber's inbox commit. */
export function recordHandled(subscriber: string, seconds: number): void {
  let child = handledBy.get(subscriber);
  if (child === undefined) handledBy.set(subscriber, (child = eventProcessing.labels({ subscriber })));
  child.observe(seconds);
  otelInstruments()?.eventProcessing.record(seconds, { subscriber });
}

export function recordHandlerDuration(subscriber: string, outcome: 'ok' | 'error', seconds: number): void {
  let children = handlerRunsBy.get(subscriber);
  if (children === undefined) handlerRunsBy.set(subscriber, (children = { ok: handlerDuration.labels({ subscriber, outcome: 'ok' }), error: handlerDuration.labels({ subscriber, outcome: 'error' }) }));
  children[outcome].observe(seconds);
  otelInstruments()?.handlerDuration.record(seconds, { subscriber, outcome });
}

export function recordRelayBatch(events: number): void {
  relayBatchSize.observe(events);
  otelInstruments()?.relayBatchSize.record(events);
}

export function recordRetry(queue: string, subscriber: string): void {
  retries.inc({ queue, subscriber });
  otelInstruments()?.retries.add(1, { queue, subscriber });
}

export function recordArchived(queue: string, subscriber: string, jobs = 1): void {
  archiveGrowth.inc({ queue, subscriber }, jobs);
  otelInstruments()?.archiveGrowth.add(jobs, { queue, subscriber });
}

/** A dead-letter job that could not be written into failed_job_archive (it is retried, never completed unarchived). */
export function recordArchiveError(queue: string): void {
  archiveErrors.inc({ queue });
  otelInstruments()?.archiveErrors.add(1, { queue });
}

/** Events relayed that no registered subscription takes (kept in the event store only). */
export function recordUnrouted(eventType: string, events = 1): void {
  unroutedEvents.inc({ event_type: eventType }, events);
  otelInstruments()?.unroutedEvents.add(events, { event_type: eventType });
}

/** Events a relay applied itself for `subscriber` (committed; no job was made). */
export function recordRelayApplied(subscriber: string, events: number): void {
  relayApplied.inc({ subscriber }, events);
  otelInstruments()?.relayApplied.add(events, { subscriber });
}

/** A relay batch whose apply in the relay threw and that went to jobs instead. */
export function recordRelayApplyFallback(): void {
  relayApplyFallbacks.inc();
  otelInstruments()?.relayApplyFallbacks.add(1);
}

/** An effect outside the database that failed after its transaction committed (left pending, retried). */
export function recordAfterCommitError(subscriber: string): void {
  afterCommitErrors.inc({ subscriber });
  otelInstruments()?.afterCommitErrors.add(1, { subscriber });
}

export function recordHttpRequest(method: string, route: string, statusCode: number, seconds: number): void {
  httpDuration.observe({ method, route, status_code: String(statusCode) }, seconds);
  otelInstruments()?.httpDuration.record(seconds, { 'http.request.method': method, 'http.route': route, 'http.response.status_code': statusCode });
}

/** Prometheus text exposition of every accrue metric, scrape sources included. */
export async function renderMetrics(): Promise<{ contentType: string; body: string }> {
  return { contentType: registry.contentType, body: await registry.metrics() };
}

/** Seconds between two instants, for the record* functions. */
export function secondsSince(start: Date | number, end: number = Date.now()): number {
  return Math.max(0, (end - (typeof start === 'number' ? start : start.getTime())) / 1000);
}

/**
 * The OTLP metrics export of this process (when OTEL_EXPORTER_OTLP_ENDPOINT is set):
 * the same instruments, and the scrape sources observed at each export.
 */
export function initOtelMetrics(options: { serviceName: string; endpoint?: string; intervalMs?: number }): () => Promise<void> {
  return initMetricsExport({
    ...options,
    sources: () => ({
      relayLagSeconds: sources.relayLagSeconds,
      queueJobs: sources.queueJobs,
      archiveSize: sources.archiveSize,
      breakerStates: sources.breakerStates
        ? async () => (await sources.breakerStates!()).map((b) => ({ name: b.name, value: BREAKER_STATE_VALUE[b.state] }))
        : undefined,
    }),
  });
}
