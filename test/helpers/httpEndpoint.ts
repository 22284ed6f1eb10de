import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type ReceivedRequest = { method: string; url: string; headers: http.IncomingHttpHeaders; body: string };

/**
 * A real HTTP server standing in for the outside system a subscriber calls (the one
 * thing tests may fake). `respond` decides each answer; it may return a promise to
 * hold the request open.
 */
export async function startHttpEndpoint(
  respond: (req: ReceivedRequest, index: number) => number | Promise<number> = () => 200,
): Promise<{ url: string; requests: ReceivedRequest[]; setResponder(r: typeof respond): void; close(): Promise<void> }> {
  const requests: ReceivedRequest[] = [];
  let responder = respond;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      const index = requests.push(received) - 1;
      Promise.resolve(responder(received, index)).then(
        (status) => res.writeHead(status, { 'content-type': 'text/plain' }).end(`status ${status}`),
        () => res.destroy(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    setResponder(r) {
      responder = r;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
