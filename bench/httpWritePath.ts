import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import { connect } from '../src/db/connect.ts';
import { migrate } from '../src/db/migrate.ts';
import { createApp } from '../src/http/app.ts';
import { startApiServer } from '../src/http/server.ts';
import { silentLogger } from '../src/lib/logger.ts';

export type LatencyStats = { count: number; perSecond: number; p50Ms: number; p95Ms: number; p99Ms: number };
export type HttpWritePathResult = {
  connections: number;
  durationSeconds: number;
  /** POST /v1/invoices over loopback: each is one transaction (invoice row + event + outbox). */
  http: LatencyStats & { errors: number; non2xx: number };
  /** Single-row INSERT transactions (autocommit), pgbench-style, same database and concurrency. */
  insert: LatencyStats;
  /** http.perSecond / insert.perSecond; DESIGN.md asks >= 0.5. */
  ratio: number;
};

function stats(latencies: number[], seconds: number): LatencyStats {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const round = (n: number) => Math.round(n * 100) / 100;
  return { count: sorted.length, perSecond: round(sorted.length / seconds), p50Ms: round(at(0.5)), p95Ms: round(at(0.95)), p99Ms: round(at(0.99)) };
}

/**
 * A burst of invoice creations through the real HTTP stack (autocannon, loopback)
 * against single-row INSERT transactions on the same database at the same
 * concurrency. The database at `databaseUrl` is migrated and gets a scratch table
 * (dropped afterwards) and the invoices the burst creates.
 */
export async function measureHttpWritePath(options: {
  databaseUrl: string;
  connections?: number;
  durationSeconds?: number;
}): Promise<HttpWritePathResult> {
  const connections = options.connections ?? 16;
  const durationSeconds = options.durationSeconds ?? 10;
  await migrate(options.databaseUrl);
  const handle = connect(options.databaseUrl, { max: connections, applicationName: 'accrue-bench-api' });
  const token = randomBytes(24).toString('base64url');
  const app = createApp({ db: handle.db, log: silentLogger, bootstrapToken: token });
  const server = await startApiServer(app, { port: 0, host: '127.0.0.1' });
  try {
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const customer = await app.request('/v1/customers', { method: 'POST', headers, body: JSON.stringify({ name: 'Bench', email: 'bench@example.com' }) });
    const customerId = ((await customer.json()) as { id: string }).id;
    const body = JSON.stringify({
      customerId,
      currency: 'USD',
      issuedAt: '2026-01-01',
      dueDate: '2026-01-31',
      lines: [
        { lineId: 'li_1', kind: 'revenue', description: 'Annual plan', amount: 36500, servicePeriod: { start: '2026-01-01', end: '2027-01-01' } },
        { lineId: 'tax', kind: 'tax', description: 'VAT', amount: 7300 },
      ],
    });
    const burst = async (seconds: number) => {
      const latencies: number[] = [];
      const result = await new Promise<autocannon.Result>((resolve, reject) => {
        const instance = autocannon(
          { url: `${server.url}/v1/invoices`, method: 'POST', headers, body, connections, duration: seconds },
          (err, res) => (err ? reject(err) : resolve(res)),
        );
        instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
      });
      return { latencies, result };
    };
    await burst(1); // warm-up: JIT, pool connections, plan cache
    const { latencies, result } = await burst(durationSeconds);
    const http = { ...stats(latencies, durationSeconds), errors: result.errors + result.timeouts, non2xx: result.non2xx };
    const insert = await measureInserts(options.databaseUrl, connections, durationSeconds);
    return { connections, durationSeconds, http, insert, ratio: Math.round((http.perSecond / insert.perSecond) * 1000) / 1000 };
  } finally {
    await server.close();
    await handle.close();
  }
}

async function measureInserts(url: string, connections: number, seconds: number): Promise<LatencyStats> {
  const table = `bench_insert_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE TABLE ${table} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, payload text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`);
  const clients = await Promise.all(
    Array.from({ length: connections }, async () => {
      const c = new pg.Client({ connectionString: url, application_name: 'accrue-bench-insert' });
      await c.connect();
      return c;
    }),
  );
  try {
    const latencies: number[] = [];
    const run = async (c: pg.Client, until: number, record: boolean) => {
      while (performance.now() < until) {
        const start = performance.now();
        await c.query({ name: 'bench_insert', text: `INSERT INTO ${table} (payload) VALUES ($1)`, values: ['invoice'] });
        if (record) latencies.push(performance.now() - start);
      }
    };
    const warmUntil = performance.now() + 1000;
    await Promise.all(clients.map((c) => run(c, warmUntil, false)));
    const until = performance.now() + seconds * 1000;
    await Promise.all(clients.map((c) => run(c, until, true)));
    return stats(latencies, seconds);
  } finally {
    await Promise.all(clients.map((c) => c.end()));
    await admin.query(`DROP TABLE ${table}`);
    await admin.end();
  }
}

// `npx node bench/httpWritePath.ts [connections] [seconds]` with DATABASE_URL set.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('set DATABASE_URL to the database to measure (it gets migrated)');
  const result = await measureHttpWritePath({
    databaseUrl,
    connections: process.argv[2] ? Number(process.argv[2]) : undefined,
    durationSeconds: process.argv[3] ? Number(process.argv[3]) : undefined,
  });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
