import type { Config } from '../config.ts';
import { connect } from '../db/connect.ts';
import { createApp, type RouteModule } from '../http/app.ts';
import { startApiServer } from '../http/server.ts';
import { ensureLocalToken } from '../auth/localToken.ts';
import type { Logger } from '../lib/logger.ts';
import { redactUrl, type ResolvedDatabase } from './database.ts';
import type { PgBoss } from 'pg-boss';
import { opsRoutes } from '../http/routes/opsRoutes.ts';
import { busSettings } from '../queues/busSettings.ts';
import { startBoss } from '../queues/createBoss.ts';

export type RunningApi = { url: string; port: number; close(): Promise<void> };

/**
 * Serves the API on an already migrated database (the caller resolved and migrated
 * it, so `accrue start` can share one database between api, relay and worker).
 * Prints where the API, docs and database are and how to authenticate.
 */
export async function startApi(options: {
  config: Config;
  log: Logger;
  database: ResolvedDatabase;
  extraRoutes?: RouteModule[];
  /** A started pg-boss to enqueue replays with; without one, a client is started on first replay. */
  boss?: PgBoss;
  print?: (line: string) => void;
}): Promise<RunningApi> {
  const { config, log, database } = options;
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const handle = connect(database.url, { max: config.ACCRUE_DB_POOL_MAX, applicationName: 'accrue-api' });
  let lazyBoss: Promise<PgBoss> | undefined;
  const getBoss = async () => options.boss ?? (lazyBoss ??= startBoss(database.url, { role: 'client', settings: busSettings(config), log, max: 2 }));
  const app = createApp(
    { db: handle.db, log, bootstrapToken: config.ACCRUE_BOOTSTRAP_TOKEN, bodyLimitBytes: config.ACCRUE_BODY_LIMIT_BYTES },
    [opsRoutes({ getBoss }), ...(options.extraRoutes ?? [])],
  );
  let auth: string;
  if (config.ACCRUE_BOOTSTRAP_TOKEN) {
    auth = 'Authorization: Bearer $ACCRUE_BOOTSTRAP_TOKEN (all scopes)';
  } else if (database.embedded) {
    const local = await ensureLocalToken(handle.db, config.ACCRUE_DATA_DIR);
    auth = `Authorization: Bearer ${local.token}  (all scopes; ${local.created ? 'created now, ' : ''}kept in ${local.file})`;
  } else {
    auth = 'create a key: npx accrue api-key create --name me --scopes invoices:read,invoices:write';
  }
  const server = await startApiServer(app, { port: config.PORT, host: config.HOST });
  print(`accrue API   ${server.url}/v1`);
  print(`docs         ${server.url}/docs   (OpenAPI 3.1: ${server.url}/openapi.json)`);
  print(`database     ${redactUrl(database.url)}${database.embedded ? `   (embedded, data in ${config.ACCRUE_DATA_DIR}/postgres)` : ''}`);
  print(`auth         ${auth}`);
  log.info({ url: server.url }, 'api listening');
  return {
    url: server.url,
    port: server.port,
    async close() {
      await server.close();
      if (lazyBoss) await (await lazyBoss).stop({ graceful: false, close: true });
      await handle.close();
    },
  };
}
