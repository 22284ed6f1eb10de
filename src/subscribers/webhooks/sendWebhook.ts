import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { hostOf, publicAddressesOf, type ResolveHost } from './checkWebhookUrl.ts';

/** What one attempt got: a status (null when no answer came), how long it took, the first KiB of the answer. */
export type AttemptResult = { statusCode: number | null; latencyMs: number; responseBody: string | null; error: string | null; ok: boolean };

export const RESPONSE_BODY_BYTES = 1024;

// Keep-alive: most deliveries go to a few endpoints, and a TLS handshake per delivery
// would cost more than the request. A reused socket was checked when it connected.
const agents = { http: new http.Agent({ keepAlive: true, maxSockets: 64 }), https: new https.Agent({ keepAlive: true, maxSockets: 64 }) };

/**
 * POSTs one webhook and never throws: the outcome is data, recorded as an attempt.
 * A 2xx within `timeoutMs` is success; a redirect is a failure (never followed: it
 * could point anywhere). The host is resolved here and the socket connects to the
 * address that was checked (the `lookup` hook), so DNS that changed since
 * registration, or answers differently now, cannot reach a private address.
 */
export async function sendWebhook(
  target: string,
  body: string,
  headers: Record<string, string>,
  options: { timeoutMs: number; allowPrivate: boolean; resolve?: ResolveHost; clock?: () => number },
): Promise<AttemptResult> {
  const clock = options.clock ?? (() => performance.now());
  const started = clock();
  const done = (r: Omit<AttemptResult, 'latencyMs' | 'ok'>): AttemptResult => ({
    ...r,
    latencyMs: Math.max(0, Math.round(clock() - started)),
    ok: r.statusCode !== null && r.statusCode >= 200 && r.statusCode < 300,
  });
  let url: URL;
  try {
    url = new URL(target);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`scheme ${url.protocol} is not allowed`);
    // Checked before the request as well: an IP literal never goes through `lookup`.
    await publicAddressesOf(hostOf(url), options);
  } catch (err) {
    return done({ statusCode: null, responseBody: null, error: (err as Error).message });
  }
  const lookup: LookupFunction = (hostname, opts, callback) => {
    publicAddressesOf(hostname, options).then(
      (addresses) => {
        const wanted = opts.family === 4 || opts.family === 6 ? addresses.filter((a) => a.family === opts.family) : addresses;
        if (opts.all) callback(null, wanted);
        else if (wanted[0]) callback(null, wanted[0].address, wanted[0].family);
        else callback(Object.assign(new Error(`${hostname} has no IPv${opts.family} address`), { code: 'ENOTFOUND' }), '', 0);
      },
      (err: Error) => callback(Object.assign(err, { code: 'ENOTFOUND' }), '', 0),
    );
  };
  const payload = Buffer.from(body, 'utf8');
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise<AttemptResult>((resolve) => {
    let settled = false;
    const finish = (r: Omit<AttemptResult, 'latencyMs' | 'ok'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(done(r));
    };
    const req = transport.request(url, {
      method: 'POST',
      agent: url.protocol === 'https:' ? agents.https : agents.http,
      lookup,
      headers: { 'content-type': 'application/json', 'content-length': String(payload.length), 'user-agent': 'accrue-webhooks', ...headers },
    });
    const timer = setTimeout(() => {
      finish({ statusCode: null, responseBody: null, error: `timed out after ${options.timeoutMs} ms` });
      req.destroy();
    }, options.timeoutMs);
    req.on('error', (err) => finish({ statusCode: null, responseBody: null, error: err.message }));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      res.on('data', (chunk: Buffer) => {
        // Read to the end (the socket goes back to the pool) but keep only the first KiB.
        if (kept < RESPONSE_BODY_BYTES) {
          chunks.push(chunk.subarray(0, RESPONSE_BODY_BYTES - kept));
          kept += Math.min(chunk.length, RESPONSE_BODY_BYTES - kept);
        }
      });
      res.on('end', () => {
        const status = res.statusCode ?? null;
        const text = Buffer.concat(chunks).toString('utf8').replace(/\u0000/g, '').replace(/\uFFFD$/, '');
        const redirect = status !== null && status >= 300 && status < 400;
        const error = status !== null && status >= 200 && status < 300 ? null : redirect ? `answered ${status} (redirects are not followed)` : `answered ${status}`;
        finish({ statusCode: status, responseBody: text, error });
      });
      res.on('error', (err) => finish({ statusCode: res.statusCode ?? null, responseBody: null, error: err.message }));
    });
    req.end(payload);
  });
}
