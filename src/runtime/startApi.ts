import type { Config } from '../config.ts';
import { connect } from '../db/connect.ts';
import { createApp, type RouteModule } from '../http/app.ts';
import { startApiServer } from '../http/serveHttp.ts';
import { migrationsCheck } from '../http/health/checks.ts';
import { createOpsServer } from '../http/health/opsServer.ts';
import { ensureLocalToken } from '../auth/localToken.ts';
import { registerSecret, type Logger } from '../telemetry/logger.ts';
import { SERVICE_NAMES } from '../telemetry/names.ts';
import { initTelemetry } from '../telemetry/initTelemetry.ts';
import { redactUrl, type ResolvedDatabase } from './database.ts';
import type { PgBoss } from 'pg-boss';
import { operatorRoutes } from '../http/routes/operatorRoutes.ts';
import { busSettings } from '../bus/queues/busSettings.ts';
import { startBoss } from '../bus/queues/startBoss.ts';
import { limitsOf } from '../config.ts';
import { createFeedFollowers } from '../events/feed/followFeed.ts';
import { listenForOutbox } from '../bus/relay/listenForOutbox.ts';

export type RunningApi = { url: string; port: number; close(): Promise<void> };

/**
 * Serves the API on an already migrated database (the caller resolved and migrated
 * it, so `accrue start` can share one database between api, relay and worker).
 * Prints where the API, docs and database are and how to authenticate.
 *
 * Tracing: unless `tracing: 'caller'`, it wires the OpenTelemetry SDK for this
 * process as service `accrue-api` (OTEL_SERVICE_NAME overrides; OTLP export only
 * when OTEL_EXPORTER_OTLP_ENDPOINT is set) and close() flushes it. `accrue start`
 * runs api, relay and worker in one process: it calls initTracing once itself
 * (SERVICE_NAMES.all) and passes 'caller', plus `bossStarted` for /readyz.
 */
export async function startApi(options: {
  config: Config;
  log: Logger;
  database: ResolvedDatabase;
  extraRoutes?: RouteModule[];
  /** A started pg-boss to enqueue replays with; without one, a client is started on first replay. */
  boss?: PgBoss;
  print?: (line: string) => void;
  tracing?: 'own' | 'caller';
  bossStarted?: () => boolean;
}): Promise<RunningApi> {
  const { config, log, database } = options;
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const stopTracing =
    options.tracing === 'caller'
      ? async () => {}
      : initTelemetry({ serviceName: config.OTEL_SERVICE_NAME ?? SERVICE_NAMES.api, endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  registerSecret(config.ACCRUE_BOOTSTRAP_TOKEN);
  const handle = connect(database.url, { max: config.ACCRUE_DB_POOL_MAX, applicationName: 'accrue-api', log });
  let lazyBoss: Promise<PgBoss> | undefined;
  // One reader of the feed for every event stream this process serves, woken by the
  // outbox NOTIFY on one LISTEN connection (opened with the first stream).
  const followers = createFeedFollowers({
    db: handle.db,
    listen: (onWake) => listenForOutbox(database.url, onWake, log, 'accrue-feed-listen'),
    pollMs: config.ACCRUE_FEED_POLL_MS,
    log,
  });
  const getBoss = async () => options.boss ?? (lazyBoss ??= startBoss(database.url, { role: 'client', settings: busSettings(config), log, max: 2 }));
  const app = createApp(
    {
      db: handle.db,
      log,
      bootstrapToken: config.ACCRUE_BOOTSTRAP_TOKEN,
      bodyLimitBytes: config.ACCRUE_BODY_LIMIT_BYTES,
      corsOrigins: config.ACCRUE_CORS_ORIGINS,
      limits: limitsOf(config),
      readiness: { migrationsCurrent: migrationsCheck(database.url), bossStarted: options.bossStarted },
      serveMetrics: config.ACCRUE_OPS_PORT === undefined,
      eventStream: { followers, heartbeatMs: config.ACCRUE_SSE_HEARTBEAT_SECONDS * 1000 },
      webhooks: { allowPrivate: config.ACCRUE_WEBHOOK_ALLOW_PRIVATE },
    },
    [operatorRoutes({ getBoss }), ...(options.extraRoutes ?? [])],
  );
  let auth: string;
  if (config.ACCRUE_BOOTSTRAP_TOKEN) {
    auth = 'Authorization: Bearer $ACCRUE_BOOTSTRAP_TOKEN (all scopes)';
  } else if (database.embedded) {
    const local = await ensureLocalToken(handle.db, config.ACCRUE_DATA_DIR);
    registerSecret(local.token);
    auth = `Authorization: Bearer ${local.token}  (all scopes; ${local.created ? 'created now, ' : ''}kept in ${local.file})`;
  } else {
    // The scopes the README walk-through uses (reports, imports, a period close and ops status need the last three).
    auth = 'create a key: npx accrue api-key create --name me --scopes invoices:read,invoices:write,events:write,reports:read,admin';
  }
  const server = await startApiServer(app, { port: config.PORT, host: config.HOST }).catch(async (err: unknown) => {
    await followers.close();
    await handle.close();
    await stopTracing();
    throw err;
  });
  // ACCRUE_OPS_PORT: probes and /metrics on a port that need not be published (the
  // probes stay on PORT too, for load balancers that only see the API).
  const ops = config.ACCRUE_OPS_PORT === undefined
    ? undefined
    : await createOpsServer({ db: handle.db, url: database.url, bossStarted: options.bossStarted, port: config.ACCRUE_OPS_PORT, host: config.HOST, log }).catch(async (err: unknown) => {
        await server.close();
        await handle.close();
        await stopTracing();
        throw err;
      });
  print(`accrue API   ${server.url}/v1`);
  if (ops) print(`ops          ${ops.url}/metrics   (/livez, /readyz)`);
  print(`docs         ${server.url}/docs   (OpenAPI 3.1: ${server.url}/openapi.json)`);
  print(`console      ${server.url}/console   (sign in with the token below)`);
  print(`database     ${redactUrl(database.url)}${database.embedded ? `   (embedded, data in ${config.ACCRUE_DATA_DIR}/postgres)` : ''}`);
  print(`auth         ${auth}`);
  log.info({ url: server.url }, 'api listening');
  return {
    url: server.url,
    port: server.port,
    async close() {
      // Ends the open event streams first: close() waits for open requests.
      await followers.close();
      await server.close();
      await ops?.close();
      if (lazyBoss) await (await lazyBoss).stop({ graceful: false, close: true });
      await handle.close();
      await stopTracing();
    },
  };
}
