import type { Attributes, Counter, Histogram, Meter } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { ATTR, METRIC, OTEL_METRIC } from './names.ts';

/**
 * OpenTelemetry metrics export, beside Prometheus' /metrics: with
 * OTEL_EXPORTER_OTLP_ENDPOINT set, every record* call of metrics.ts is also recorded
 * on these instruments and pushed over OTLP/HTTP every `intervalMs`; the gauges the
 * database answers (outbox lag, jobs, archive size) are observed at each export.
 * Without an endpoint nothing is created and recording costs one null check.
 */
export type OtelInstruments = {
  eventProcessing: Histogram;
  handlerDuration: Histogram;
  relayBatchSize: Histogram;
  httpDuration: Histogram;
  retries: Counter;
  archiveGrowth: Counter;
  archiveErrors: Counter;
  unroutedEvents: Counter;
  relayApplied: Counter;
  relayApplyFallbacks: Counter;
  afterCommitErrors: Counter;
};

let instruments: OtelInstruments | undefined;

export function otelInstruments(): OtelInstruments | undefined {
  return instruments;
}

export type ObservedSources = {
  relayLagSeconds?: () => Promise<number>;
  queueJobs?: () => Promise<{ queue: string; state: string; count: number }[]>;
  archiveSize?: () => Promise<number>;
  breakerStates?: () => Promise<{ name: string; value: number }[]>;
};

export function initMetricsExport(options: {
  serviceName: string;
  endpoint?: string;
  intervalMs?: number;
  sources: () => ObservedSources;
}): () => Promise<void> {
  if (!options.endpoint) return async () => {};
  const url = new URL('v1/metrics', options.endpoint.endsWith('/') ? options.endpoint : `${options.endpoint}/`).toString();
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ [ATTR.serviceName]: options.serviceName }),
    readers: [new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url }), exportIntervalMillis: options.intervalMs ?? 15_000 })],
  });
  const meter = provider.getMeter('accrue');
  instruments = createInstruments(meter);
  observeSources(meter, options.sources);
  return async () => {
    instruments = undefined;
    await provider.shutdown().catch(() => {});
  };
}

function createInstruments(meter: Meter): OtelInstruments {
  const histogram = (key: 'eventProcessing' | 'handlerDuration' | 'relayBatchSize' | 'httpDuration') =>
    meter.createHistogram(OTEL_METRIC[key].name, { unit: OTEL_METRIC[key].unit, description: METRIC[key].help });
  const counter = (key: 'retries' | 'archiveGrowth' | 'archiveErrors' | 'unroutedEvents' | 'relayApplied' | 'relayApplyFallbacks' | 'afterCommitErrors') =>
    meter.createCounter(OTEL_METRIC[key].name, { unit: OTEL_METRIC[key].unit, description: METRIC[key].help });
  return {
    eventProcessing: histogram('eventProcessing'),
    handlerDuration: histogram('handlerDuration'),
    relayBatchSize: histogram('relayBatchSize'),
    httpDuration: histogram('httpDuration'),
    retries: counter('retries'),
    archiveGrowth: counter('archiveGrowth'),
    archiveErrors: counter('archiveErrors'),
    unroutedEvents: counter('unroutedEvents'),
    relayApplied: counter('relayApplied'),
    relayApplyFallbacks: counter('relayApplyFallbacks'),
    afterCommitErrors: counter('afterCommitErrors'),
  };
}

function observeSources(meter: Meter, sources: () => ObservedSources): void {
  const gauge = (key: 'relayLag' | 'queueJobs' | 'archiveSize' | 'breakerState') =>
    meter.createObservableGauge(OTEL_METRIC[key].name, { unit: OTEL_METRIC[key].unit, description: METRIC[key].help });
  const quietly = async (fn: () => Promise<void>) => {
    // An export during a database outage still sends the in-process instruments.
    await fn().catch(() => {});
  };
  gauge('relayLag').addCallback((r) => quietly(async () => { const s = sources().relayLagSeconds; if (s) r.observe(await s()); }));
  gauge('archiveSize').addCallback((r) => quietly(async () => { const s = sources().archiveSize; if (s) r.observe(await s()); }));
  gauge('queueJobs').addCallback((r) =>
    quietly(async () => {
      const s = sources().queueJobs;
      if (s) for (const row of await s()) r.observe(row.count, { queue: row.queue, state: row.state } satisfies Attributes);
    }),
  );
  gauge('breakerState').addCallback((r) =>
    quietly(async () => {
      const s = sources().breakerStates;
      if (s) for (const row of await s()) r.observe(row.value, { subscriber: row.name });
    }),
  );
}
