import { connect } from '../../db/connect.ts';
import { createOpsServer } from '../../http/health/opsServer.ts';
import { busScrapeSources } from '../../bus/operator/busScrapeSources.ts';
import { SERVICE_NAMES } from '../../telemetry/names.ts';
import { initTelemetry } from '../../telemetry/initTelemetry.ts';
import { opsPort, type BusRuntime } from './busRuntime.ts';

/**
 * Tracing for `accrue relay` / `accrue worker`: service accrue-relay or
 * accrue-worker (OTEL_SERVICE_NAME overrides), OTLP export when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set. Call before the relay/worker starts so their
 * first spans have a provider. Returns the flush, for the last shutdown closers.
 */
export function initBusTracing(runtime: BusRuntime, role: 'relay' | 'worker'): () => Promise<void> {
  return initTelemetry({ serviceName: runtime.config.OTEL_SERVICE_NAME ?? SERVICE_NAMES[role], endpoint: runtime.config.OTEL_EXPORTER_OTLP_ENDPOINT });
}

/**
 * /livez, /readyz (database, migrations, and pg-boss started when bossStarted is
 * given) and /metrics with the pipeline gauges, on ACCRUE_OPS_PORT (else any free
 * port: PORT belongs to the API, and a second relay or worker on the host would collide). Its own two
 * connections: a scrape or probe never waits behind the relay's or worker's pool.
 */
export async function serveBusOps(runtime: BusRuntime, bossStarted?: () => boolean): Promise<{ url: string; close(): Promise<void> }> {
  const { config, database, log } = runtime;
  const ops = connect(database.url, { max: 2, applicationName: 'accrue-ops' });
  try {
    const server = await createOpsServer({
      db: ops.db,
      url: database.url,
      bossStarted,
      port: opsPort(config),
      host: config.HOST,
      log,
      scrapeSources: busScrapeSources(ops.db),
    });
    log.info({ url: server.url }, 'ops server: /livez /readyz /metrics');
    return {
      url: server.url,
      async close() {
        await server.close();
        await ops.close();
      },
    };
  } catch (err) {
    await ops.close();
    throw err;
  }
}
