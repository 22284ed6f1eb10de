import { Hono } from 'hono';
import type { Logger } from '../../telemetry/logger.ts';
import { startApiServer, type RunningServer } from '../serveHttp.ts';
import { livez, type HealthReport } from './checks.ts';

const WAITING = 'waiting for the database';

/**
 * What a process answers on its probe port while it waits for its database at boot
 * (waitForDatabase's whileWaiting): /livez 200, so an orchestrator does not restart a
 * process that is fine, and /readyz 503, so nothing routes to it yet. Every other path
 * is 503 too. Closed once the database answers, before the real server binds the port.
 */
export async function startWaitingServer(options: { port: number; host?: string; log: Logger }): Promise<RunningServer> {
  const app = new Hono();
  app.get('/livez', (c) => c.json(livez()));
  app.get('/readyz', (c) => {
    const report: HealthReport = { status: 'fail', checks: { database: { status: 'fail', detail: WAITING } }, reason: WAITING };
    c.header('Cache-Control', 'no-store');
    return c.json(report, 503);
  });
  app.all('*', (c) => c.json({ title: `starting: ${WAITING}`, status: 503 }, 503));
  const server = await startApiServer(app, { port: options.port, host: options.host });
  options.log.info({ url: server.url }, `not ready while ${WAITING}: ${server.url}/readyz answers 503`);
  return server;
}
