import type { Config } from '../config.ts';
import type { Logger } from '../telemetry/logger.ts';
import { buildSubscriberRegistry } from './registeredSubscribers.ts';
import { busSettings } from '../bus/queues/busSettings.ts';
import { relayApplier } from '../bus/worker/applyInRelay.ts';
import { startRelay } from '../bus/relay/startRelay.ts';
import { startWorker } from '../bus/worker/startWorker.ts';
import type { ResolvedDatabase } from './database.ts';
import { prepareDatabase } from './prepareDatabase.ts';
import { connect } from '../db/connect.ts';
import { busScrapeSources } from '../bus/operator/busScrapeSources.ts';
import { setScrapeSources } from '../telemetry/metrics.ts';
import { SERVICE_NAMES } from '../telemetry/names.ts';
import { initTelemetry } from '../telemetry/initTelemetry.ts';
import { startApi, type RunningApi } from './startApi.ts';
import { startNatsForwarding } from './startNatsForwarding.ts';

export type RunningService = { api: RunningApi; database: ResolvedDatabase; close(): Promise<void> };

/**
 * `accrue start`: api + relay + worker in one process on one database (embedded by
 * default). Each part also runs alone (`accrue api|relay|worker`) on any number of
 * machines; this is the same code wired together. Closing stops taking HTTP
 * requests first, then lets the relay and worker finish what they hold.
 */
export async function startService(options: { config: Config; log: Logger; database?: ResolvedDatabase; print?: (line: string) => void }): Promise<RunningService> {
  const { config, log } = options;
  // Quiet until the banner: its lines are the first a newcomer reads.
  const database = await prepareDatabase(config, log, options.database, { forever: true, probePort: config.ACCRUE_OPS_PORT ?? config.PORT });
  const applied = database.migrations;
  // One tracer provider for the three parts, so a request's trace continues in the worker.
  const stopTracing = initTelemetry({ serviceName: config.OTEL_SERVICE_NAME ?? SERVICE_NAMES.all, endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  const metricsDb = connect(database.url, { max: 2, applicationName: 'accrue-metrics' });
  setScrapeSources(busScrapeSources(metricsDb.db));
  let workerRunning = false;
  // The API first, so the banner (where the API, docs and database are; how to
  // authenticate) leads the output; /readyz answers 503 until the worker runs.
  const api = await startApi({ config, log, database, print: options.print, tracing: 'caller', bossStarted: () => workerRunning });
  log.info({ migrationsApplied: applied.applied.length, schemaVersion: applied.current }, 'database ready');
  const settings = busSettings(config);
  const registry = buildSubscriberRegistry(config, database.url);
  const worker = await startWorker({ url: database.url, subscribers: registry.subscribers, schedules: registry.schedules, settings, log: log.child({ process: 'worker' }) });
  workerRunning = true;
  const relayLog = log.child({ process: 'relay' });
  const applier = relayApplier(registry.subscribers, { settings, log: relayLog });
  const relay = await startRelay({ url: database.url, subscribers: registry.subscribers, settings, log: relayLog, applier });
  // ACCRUE_NATS_URL set: events also go to NATS JetStream (unset: not started).
  const natsForwarder = startNatsForwarding(config, database.url, log.child({ process: 'forward-nats' }));
  let closing: Promise<void> | undefined;
  return {
    api,
    database,
    close() {
      closing ??= (async () => {
        await api.close();
        await natsForwarder?.stop();
        await relay.stop();
        workerRunning = false;
        await worker.stop();
        await registry.close();
        await metricsDb.close();
        await stopTracing();
        if (!options.database) await database.stop();
      })();
      return closing;
    },
  };
}
