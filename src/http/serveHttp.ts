import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';

// Below both the API (src/http) and the ops probes (src/http/health), which both serve through it.

export type RunningServer = { url: string; port: number; close(): Promise<void> };

/** Anything with a fetch handler: the API app, or the small ops app of relay and worker processes. */
export type FetchApp = { fetch: Parameters<typeof serve>[0]['fetch'] };

/** Serves the app on host:port (port 0 = any free port); close() stops taking connections and waits for open requests. */
export function startApiServer(app: FetchApp, options: { port: number; host?: string }): Promise<RunningServer> {
  const host = options.host ?? '0.0.0.0';
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: options.port, hostname: host }, (info: AddressInfo) => {
      const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
      resolve({
        url: `http://${shown}:${info.port}`,
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            // Keep-alive sockets would hold close() open until they time out.
            if ('closeIdleConnections' in server) server.closeIdleConnections();
          }),
      });
    });
    server.once('error', reject);
  });
}
