import type { Executor } from '../../db/connect.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { startApiServer, type RunningServer } from '../serveHttp.ts';
import { setScrapeSources, type ScrapeSources } from '../../telemetry/metrics.ts';
import { migrationsCheck } from './checks.ts';
import { opsRoutes } from './opsRoutes.ts';

export type OpsServerOptions = {
  db: Executor;
  /** The database URL: migration status is read with its own short connection. */
  url: string;
  /** The worker (and `accrue start`): true between boss.start() and its 'stopped'. */
  bossStarted?: () => boolean;
  /** ACCRUE_OPS_PORT or similar; 0 = any free port. */
  port: number;
  host?: string;
  /** Where a failing probe's detail goes (the HTTP answer stays generic). */
  log?: Logger;
  /** Database-side gauges this process reports on scrape (outbox lag, jobs, archive). */
  scrapeSources?: ScrapeSources;
};

/**
 * A tiny HTTP server for processes without the API (relay, worker): /livez,
 * /readyz and /metrics only, so Docker and Kubernetes probe them the same way.
 */
export function createOpsServer(options: OpsServerOptions): Promise<RunningServer> {
  if (options.scrapeSources) setScrapeSources(options.scrapeSources);
  const app = opsRoutes({ db: options.db, migrationsCurrent: migrationsCheck(options.url), bossStarted: options.bossStarted, log: options.log });
  return startApiServer(app, { port: options.port, host: options.host });
}
