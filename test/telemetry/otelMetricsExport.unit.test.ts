import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initOtelMetrics, recordArchived, recordHandled, setScrapeSources } from '../../src/telemetry/metrics.ts';

// A loopback OTLP/HTTP collector: the only stand-in, for the truly external backend.
function startCollector(): Promise<{ url: string; bodies: string[]; close(): Promise<void> }> {
  const bodies: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      if (req.url === '/v1/metrics') bodies.push(body);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      resolve({ url: `http://127.0.0.1:${port}`, bodies, close: () => new Promise((r) => server.close(() => r())) });
    }),
  );
}

describe('OpenTelemetry metrics export (OTLP/HTTP)', () => {
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    collector = await startCollector();
    setScrapeSources({ archiveSize: async () => 3, relayLagSeconds: async () => 0.5 });
    stop = initOtelMetrics({ serviceName: 'accrue-test', endpoint: collector.url, intervalMs: 200 });
  });
  afterAll(async () => {
    await stop();
    setScrapeSources({});
    await collector.close();
  });

  it('pushes the same instruments, with the database gauges observed at export', async () => {
    recordHandled('revenue', 0.012);
    recordArchived('webhooks', 'webhooks');
    const deadline = Date.now() + 10_000;
    while (!collector.bodies.some((b) => b.includes('accrue.event.processing.duration')) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const all = collector.bodies.join('\n');
    expect(all).toContain('accrue.event.processing.duration');
    expect(all).toContain('accrue.failed_job_archive.archived');
    expect(all).toContain('accrue.failed_job_archive.size');
    expect(all).toContain('accrue.relay.lag');
    expect(all).toContain('accrue-test');
  });
});
