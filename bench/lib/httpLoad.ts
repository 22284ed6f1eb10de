import autocannon from 'autocannon';
import { round, summarizeLatencies, type LatencySummary } from './stats.ts';

export type HttpLoadOptions = {
  /** Base URL of a running server, e.g. http://127.0.0.1:3000 */
  url: string;
  method: 'POST' | 'PUT' | 'PATCH' | 'GET';
  path: string;
  headers?: Record<string, string>;
  /** Request i's body and extra headers (a unique invoice and Idempotency-Key each time). */
  request?: (i: number) => { body?: string; headers?: Record<string, string> };
  connections: number;
  durationSeconds: number;
  onSecond?: (elapsedSeconds: number) => void;
  /** Also receives every 2xx response time, to merge several loads' percentiles. */
  latencies?: number[];
};

export type HttpLoadResult = LatencySummary & { requestsPerSec: number; total: number; non2xx: number; errors: number; seconds: number };

/**
 * A closed-loop HTTP load with autocannon over loopback: `connections` clients each
 * send the next request when the previous answered, for `durationSeconds`. Every
 * response time is kept (autocannon's histogram has no p95), and only 2xx answers
 * count as throughput: a server that fails fast must not look fast.
 */
export async function loadHttp(options: HttpLoadOptions): Promise<HttpLoadResult> {
  let counter = 0;
  const latencies: number[] = [];
  const started = performance.now();
  const timer = setInterval(() => options.onSecond?.(Math.floor((performance.now() - started) / 1000)), 500);
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: options.durationSeconds,
        requests: [
          {
            method: options.method,
            path: options.path,
            setupRequest: (req) => {
              const extra = options.request?.(counter++) ?? {};
              return { ...req, body: extra.body ?? req.body, headers: { ...req.headers, ...options.headers, ...extra.headers } };
            },
          },
        ],
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) {
        latencies.push(responseTime);
        options.latencies?.push(responseTime);
      }
    });
  }).finally(() => clearInterval(timer));
  return {
    requestsPerSec: round(result['2xx'] / result.duration),
    total: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    seconds: round(result.duration, 2),
    ...summarizeLatencies(latencies),
  };
}
