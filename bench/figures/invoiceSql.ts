import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { scratchDatabase } from '../lib/benchDatabase.ts';
import { invoiceSqlCeiling } from '../lib/invoiceSqlCeiling.ts';
import type { Figure } from '../lib/types.ts';

/**
 * Issue 10: the invoice write without Node — the exact statement POST /v1/invoices
 * sends (invoice row + InvoiceCreated event + outbox row), through pgbench at the
 * HTTP load's concurrency, in a scratch database with one customer. What the
 * database alone does with the write: report.ts divides it by the INSERT baseline
 * run just before it, and the HTTP figure run just after it by it.
 */
export const invoiceSql: Figure = {
  key: 'invoiceSql',
  title: 'Invoice write, SQL only (pgbench)',
  async run(ctx) {
    const seconds = ctx.quick ? 5 : 10;
    const db = await scratchDatabase(ctx.adminUrl, 'accrue_bench_sql');
    const task = ctx.progress.task(`invoice SQL only: the invoice statement through pgbench, ${ctx.concurrency} clients`, 1);
    try {
      const customerId = `cus_bench_${randomBytes(4).toString('hex')}`;
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      await c.query(`INSERT INTO customers (id, name, email) VALUES ($1, 'Bench', 'bench@example.com')`, [customerId]);
      await c.end();
      const ceiling = await invoiceSqlCeiling(db.url, customerId, ctx.concurrency, seconds);
      if (ceiling.notify === null) return { status: 'pending', summary: { tps: null }, note: ceiling.note };
      return {
        status: 'measured',
        summary: { tps: ceiling.notify, preparedTps: ceiling.prepared },
        // preparedTps: the same statement with pgbench -M prepared, as the API now sends it (a named
        // prepared statement), paired with the INSERT baseline's own preparedTps; the headline
        // stays -M extended, the mode of the INSERT baseline's headline.
        // ids: what the statement's ids are (uuidv7, as the API sends: time-ordered B-tree keys);
        // randomIdsTps: the same statement with gen_random_uuid() ids, the figure's statement before.
        detail: { tool: 'pgbench -M extended', clients: ctx.concurrency, seconds, ids: ceiling.ids, randomIdsTps: ceiling.randomIdsTps, withoutOutboxTriggersTps: ceiling.withoutNotify },
        note: ceiling.note,
      };
    } finally {
      task.done();
      await db.drop();
    }
  },
};
