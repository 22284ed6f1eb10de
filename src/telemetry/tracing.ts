import {
  context,
  propagation,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type TimeInput,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ATTR, TRACER_NAME } from './names.ts';

export type TracingOptions = {
  /** `accrue-api`, `accrue-relay`, `accrue-worker` (SERVICE_NAMES), or OTEL_SERVICE_NAME. */
  serviceName: string;
  /** config.OTEL_EXPORTER_OTLP_ENDPOINT: the collector's base URL; `/v1/traces` is appended. */
  endpoint?: string;
  /** Tests: export synchronously to this exporter (e.g. InMemorySpanExporter). */
  exporter?: SpanExporter;
};

/**
 * Wires the OpenTelemetry SDK for one process; all other code uses only
 * @opentelemetry/api. Without an endpoint (and no test exporter) no processor is
 * added: spans are still created, so trace ids reach logs and the event envelope,
 * but nothing leaves the process. Returns shutdown(), which flushes pending spans.
 */
export function initTracing(options: TracingOptions): () => Promise<void> {
  const spanProcessors: SpanProcessor[] = [];
  if (options.endpoint) {
    const url = new URL('v1/traces', options.endpoint.endsWith('/') ? options.endpoint : `${options.endpoint}/`).toString();
    // Batching: one HTTP export per 512 spans or 5 s, off the request path.
    spanProcessors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url })));
  }
  if (options.exporter) spanProcessors.push(new SimpleSpanProcessor(options.exporter));
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR.serviceName]: options.serviceName }),
    spanProcessors,
  });
  // W3C trace context only: baggage is not wanted inside stored events.
  provider.register({ propagator: new W3CTraceContextPropagator() });
  return async () => {
    await provider.shutdown();
    trace.disable();
    propagation.disable();
    context.disable();
  };
}

// The tracer of the provider registered now. trace.getTracer() asks the provider for it
// by a key string it builds each time (the worker starts a span per event and
// subscriber: ~1 % of its CPU); a provider registered later (initTracing again, a test)
// gets its own.
let current: { provider: TracerProvider; tracer: Tracer } | undefined;

export function tracer(): Tracer {
  const global = trace.getTracerProvider();
  const provider = global instanceof ProxyTracerProvider ? global.getDelegate() : global;
  if (current?.provider !== provider) current = { provider, tracer: trace.getTracer(TRACER_NAME) };
  return current.tracer;
}

type SpanOptions = { kind?: SpanKind; parent?: Context; links?: Link[] };

/**
 * Runs fn inside a new active span; records an exception and ERROR status when fn
 * throws, then rethrows. The span ends when fn settles.
 */
export async function withSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>, options: SpanOptions = {}): Promise<T> {
  const parent = options.parent ?? context.active();
  const span = tracer().startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes, links: options.links }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (err) {
    markSpanFailed(span, err);
    throw err;
  } finally {
    span.end();
  }
}

export function markSpanFailed(span: Span, err: unknown): void {
  const error = err instanceof Error ? err : new Error(String(err));
  span.recordException(error);
  span.setAttribute(ATTR.errorType, error.constructor.name);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
}

// The traceparent helpers use their own propagator so they behave the same whether
// or not initTracing ran (the global propagator is a no-op until it does).
const w3c = new W3CTraceContextPropagator();

/** The W3C `traceparent` of the active span, for the event envelope; undefined outside a sampled span. */
export function currentTraceparent(ctx: Context = context.active()): string | undefined {
  const carrier: Record<string, string> = {};
  w3c.inject(ctx, carrier, { set: (c, k, v) => void (c[k] = v) });
  return carrier.traceparent;
}

/** A context whose remote parent is the stored `traceparent`; ROOT_CONTEXT when absent or malformed. */
export function contextFromTraceparent(traceparent: string | null | undefined): Context {
  if (!traceparent) return ROOT_CONTEXT;
  return w3c.extract(ROOT_CONTEXT, { traceparent }, CARRIER_GETTER);
}

const CARRIER_GETTER = { get: (c: Record<string, string>, k: string) => c[k], keys: (c: Record<string, string>) => Object.keys(c) };

/**
 * Starts a worker-side span that continues the trace of the request that wrote the
 * event. The worker's batch runs several events' attempts in one transaction, so each
 * attempt span is started before it and ended once it settled: run work inside it
 * with `context.with(trace.setSpan(started.parent, started.span), fn)`; the caller ends the span.
 *
 * Choice: CHILD of the producer's span, for every attempt (first, retries, and the
 * one that lands in the archive). One invoice's story is then one trace: the
 * `POST /v1/invoices` span, its transaction, the relay batch, and each attempt and
 * handler under it, failed attempts included. OTel messaging conventions allow
 * parenting for single-message processing and ask for links only when one span
 * consumes many messages; our attempt handles one event. Retries run later than the
 * request ended (backoff: seconds to minutes); trace viewers show that as a gap,
 * which is the truth.
 *
 * The pg-boss span active around the handler (pg-boss emits `process {queue}`
 * spans once an SDK is registered) is kept as a LINK, so the job's own trace is
 * still one click away. `mode: 'link'` is for replays: a replay is a new cause (an
 * operator action), so it starts its own trace linked to the original.
 *
 * It returns the span and the context it was started under: `trace.setSpan(parent, span)`
 * is its context, made only when something runs in it (a worker starts one span per
 * event and runs a handler in at most one of them). Attributes given as a function are
 * built only when the span records them, and set right after its start: the exported
 * span is the same (the samplers the SDK is configured with, parent-based and ratio, do
 * not read them).
 */
export function startEventSpan(
  name: string,
  traceparent: string | null | undefined,
  attributes: Attributes | (() => Attributes),
  options: EventSpanOptions = {},
): { span: Span; parent: Context } {
  const { parent, links } = eventSpanParent(traceparent, options.mode ?? 'child', options.active ?? context.active());
  const kind = options.kind ?? SpanKind.CONSUMER;
  const { startTime } = options;
  if (typeof attributes !== 'function') return { span: tracer().startSpan(name, { kind, attributes, links, startTime }, parent), parent };
  const span = tracer().startSpan(name, { kind, links, startTime }, parent);
  if (span.isRecording()) span.setAttributes(attributes());
  return { span, parent };
}

/**
 * How an event span starts. `startTime` and `active` let a span be started after the
 * fact (a worker's attempt span, started when it is first needed): the time it began
 * (a performance.now() or, cheaper for the SDK, an HrTime), and the context that was active then, whose span becomes a link.
 */
export type EventSpanOptions = { kind?: SpanKind; mode?: 'child' | 'link'; startTime?: TimeInput; active?: Context };

function eventSpanParent(traceparent: string | null | undefined, mode: 'child' | 'link', activeContext: Context): { parent: Context; links: Link[] } {
  const producer = contextFromTraceparent(traceparent);
  const producerSpan = trace.getSpanContext(producer);
  const active = trace.getSpanContext(activeContext);
  const links: Link[] = [];
  if (active && trace.isSpanContextValid(active)) links.push({ context: active });
  if (mode === 'link' && producerSpan) links.push({ context: producerSpan });
  return { parent: mode === 'child' && producerSpan ? producer : ROOT_CONTEXT, links };
}
