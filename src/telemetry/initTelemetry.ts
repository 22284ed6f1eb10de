import { initOtelMetrics } from './metrics.ts';
import { initTracing } from './tracing.ts';

/**
 * What each entry point (api, relay, worker, start) calls once: traces, and the OTLP
 * metrics export beside /metrics, both sent only when an OTLP endpoint is set.
 * Returns one shutdown that flushes both.
 */
export function initTelemetry(options: { serviceName: string; endpoint?: string }): () => Promise<void> {
  const stopTracing = initTracing(options);
  const stopMetrics = initOtelMetrics(options);
  return async () => {
    await stopMetrics();
    await stopTracing();
  };
}
