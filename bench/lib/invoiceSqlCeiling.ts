import pg from 'pg';
import { hasPgbench, runPgbench } from './pgbench.ts';

export type SqlCeiling = {
  notify: number | null;
  withoutNotify: number | null;
  prepared: number | null;
  /** The same statement with random (v4) ids, as the figure sent before: detail. */
  randomIdsTps: number | null;
  /** Which ids the headline's statement generates: 'uuidv7' (as the API) or 'random' (a server without uuidv7()). */
  ids: IdKind;
  note?: string;
};

export type IdKind = 'uuidv7' | 'random';

// The statement POST /v1/invoices sends (src/invoices/invoiceRepository.ts
// insertInvoiceWithEvents): one call of insert_invoice_with_event (migration 170), which
// writes the invoice row, its InvoiceCreated event and the outbox row, with payloads of the
// bench invoice's size. Ids are generated server-side, of the kind the API sends: the
// invoice id `inv_<uuidv7>` (executeInvoiceCommand.ts newInvoiceId), the event id a uuidv7
// (appendEvents.ts toEventRows) and the correlation id a uuidv7 (http/middleware/correlation.ts),
// so each of their B-tree entries goes to the right-hand edge of its index as the API's do.
// 'random' (gen_random_uuid(), what this figure sent before) spreads them over every leaf.
export const invoiceStatement = (customerId: string, ids: IdKind) => {
  const id = ids === 'uuidv7' ? 'uuidv7()' : 'gen_random_uuid()';
  const lines = JSON.stringify([
    { lineId: 'li_1', kind: 'revenue', description: 'Annual plan', amount: 36500, servicePeriod: { start: '2026-01-01', end: '2027-01-01' } },
    { lineId: 'tax', kind: 'tax', description: 'VAT', amount: 7300 },
  ]);
  const data = JSON.stringify({ customerId, currency: 'USD', dueDate: '2026-01-31', issuedAt: '2026-01-01', lines: JSON.parse(lines) });
  return `SELECT w.created_at, w.updated_at FROM insert_invoice_with_event('inv_' || ${id}, '${customerId}', 'USD', 'open', '2026-01-01', '2026-01-31',
  '${lines}', 43800, 7300, 0, 1,
  ${id}, 'InvoiceCreated', 1, 'invoice', 1, '2026-01-01',
  ${id}::text, NULL, '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', 'bootstrap', 'api', NULL, '${data}') AS w;`.replace(/\n/g, ' ') + '\n';
};

/**
 * What the database alone does with the invoice-create statement, at the HTTP
 * load's concurrency, no Node in the path: the ceiling any API could reach on this
 * machine. Measured twice: as deployed (the outbox trigger NOTIFYs the relay on
 * every commit) and with the outbox's triggers disabled for the measurement, which
 * shows what the per-commit NOTIFY costs (Postgres serialises notifying commits on
 * one lock, so they stop sharing WAL flushes). The triggers are re-enabled after.
 * Since migration 060 the outbox has no NOTIFY trigger (the application wakes the
 * relay after commit, src/db/wakeRelay.ts), so both figures measure the statement
 * without NOTIFY; the pair is kept for the JSON keys and for a database that still
 * has other outbox triggers.
 */
export async function invoiceSqlCeiling(url: string, customerId: string, clients: number, seconds: number): Promise<SqlCeiling> {
  if (!hasPgbench()) {
    return { notify: null, withoutNotify: null, prepared: null, randomIdsTps: null, ids: 'random', note: 'pgbench not on PATH: SQL-only ceiling not measured' };
  }
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  // uuidv7() is PostgreSQL 18's; an older server (DATABASE_URL) gets the random ids, and the figure says so.
  const { rows: v7 } = await admin.query<{ ok: boolean }>(`SELECT to_regprocedure('uuidv7()') IS NOT NULL AS ok`);
  const ids: IdKind = v7[0]!.ok ? 'uuidv7' : 'random';
  const pgbench = async (kind: IdKind, mode?: 'prepared') => (await runPgbench(url, invoiceStatement(customerId, kind), { clients, seconds, mode })).tps;
  const notify = await pgbench(ids);
  // The API sends its invoice insert as a named prepared statement (src/db/preparedStatements.ts):
  // the same write parsed and planned once per connection, for a like-for-like HTTP ratio (detail only).
  const prepared = await pgbench(ids, 'prepared');
  // The figure's statement before it sent the API's kind of ids (detail: what random keys cost).
  const randomIdsTps = ids === 'random' ? notify : await pgbench('random');
  const idsNote = ids === 'random' ? 'no uuidv7() on this server: random ids, unlike the API' : undefined;
  const { rows } = await admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_trigger WHERE tgrelid = 'outbox'::regclass AND NOT tgisinternal`);
  if (rows[0]!.n === 0) {
    // Nothing to disable: a second pgbench run would measure the same statement again.
    await admin.end();
    return { notify, withoutNotify: notify, prepared, randomIdsTps, ids, note: ['the outbox has no triggers: measured once', idsNote].filter(Boolean).join('; ') };
  }
  try {
    await admin.query('ALTER TABLE outbox DISABLE TRIGGER USER');
    const withoutNotify = await pgbench(ids);
    return { notify, withoutNotify, prepared, randomIdsTps, ids, note: idsNote };
  } finally {
    await admin.query('ALTER TABLE outbox ENABLE TRIGGER USER');
    await admin.end();
  }
}
