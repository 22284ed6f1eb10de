import pg from 'pg';
import type { BenchContext, Figure, FigureResult } from '../lib/types.ts';
import { round } from '../lib/stats.ts';
import { hasPgbench, runPgbench } from '../lib/pgbench.ts';

// One small row per transaction, about the size of an invoice's state row. The
// extended query protocol without named statements is what pg/kysely send, so
// pgbench runs with -M extended to match the accrue write path.
const TABLE = `CREATE TABLE IF NOT EXISTS bench_insert (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  payload jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now())`;
const PAYLOAD = '{"customerId":"cus_1","currency":"USD","amount":1000}';

function tick(ctx: BenchContext, label: string, seconds: number) {
  const task = ctx.progress.task(label, seconds);
  const started = performance.now();
  const timer = setInterval(() => task.update(Math.min(seconds, Math.floor((performance.now() - started) / 1000))), 250);
  return () => {
    clearInterval(timer);
    task.done();
  };
}

async function viaPgbench(ctx: BenchContext, seconds: number): Promise<FigureResult> {
  const script = `INSERT INTO bench_insert (payload) VALUES ('${PAYLOAD}');\n`;
  const clients = ctx.concurrency;
  const done = tick(ctx, `INSERT baseline (pgbench, ${clients} clients)`, 2 * seconds);
  try {
    const run = await runPgbench(ctx.url, script, { clients, seconds });
    // The same with named prepared statements: the baseline for invoiceSql's preparedTps
    // (the API sends its invoice insert prepared, src/db/preparedStatements.ts).
    const prepared = await runPgbench(ctx.url, script, { clients, seconds, mode: 'prepared' });
    return {
      status: 'measured',
      summary: { insertBaselineTps: run.tps, preparedTps: prepared.tps },
      detail: { tool: 'pgbench', protocol: 'extended', clients, threads: run.threads, seconds, transactions: run.transactions, latencyAvgMs: run.latencyAvgMs },
      note: `pgbench -M extended -c ${clients} -T ${seconds}`,
    };
  } finally {
    done();
  }
}

async function viaPg(ctx: BenchContext, seconds: number): Promise<FigureResult> {
  const clients = await Promise.all(
    Array.from({ length: ctx.concurrency }, async () => {
      const c = new pg.Client({ connectionString: ctx.url });
      await c.connect();
      return c;
    }),
  );
  const done = tick(ctx, `INSERT baseline (pg, ${ctx.concurrency} clients)`, seconds);
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let transactions = 0;
  try {
    await Promise.all(
      clients.map(async (c) => {
        while (performance.now() < deadline) {
          await c.query('INSERT INTO bench_insert (payload) VALUES ($1)', [PAYLOAD]);
          transactions++;
        }
      }),
    );
  } finally {
    done();
    await Promise.all(clients.map((c) => c.end()));
  }
  const elapsed = (performance.now() - started) / 1000;
  return {
    status: 'measured',
    summary: { insertBaselineTps: round(transactions / elapsed) },
    detail: { tool: 'pg', clients: ctx.concurrency, seconds: round(elapsed, 2), transactions },
    note: `pgbench not on PATH: same workload through pg with ${ctx.concurrency} clients`,
  };
}

/** Issue 6 figure 1: single-row INSERT transactions per second at the bench's client concurrency. */
export const insertBaseline: Figure = {
  key: 'insertBaselineTps',
  title: 'Baseline: single-row INSERT transactions/s',
  async run(ctx) {
    const c = new pg.Client({ connectionString: ctx.url });
    await c.connect();
    await c.query(TABLE);
    await c.end();
    const seconds = ctx.quick ? 5 : 15;
    return hasPgbench() ? viaPgbench(ctx, seconds) : viaPg(ctx, seconds);
  },
};
