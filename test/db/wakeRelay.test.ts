import pg from 'pg';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/connect.ts';
import type { Database } from '../../src/db/schema.ts';
import { OUTBOX_CHANNEL } from '../../src/db/wakeRelay.ts';
import { createCustomer } from '../../src/invoices/customerCommands.ts';
import { executeInvoiceCommand, newInvoiceId } from '../../src/invoices/executeInvoiceCommand.ts';
import { appendInvoices } from '../helpers/busTestKit.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A second connection LISTENing on the relay's channel, counting what arrives. */
async function listen(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const seen = { count: 0, senders: [] as number[] };
  client.on('notification', (n) => {
    if (n.channel !== OUTBOX_CHANNEL) return;
    seen.count++;
    seen.senders.push(n.processId);
  });
  await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
  return { seen, close: () => client.end() };
}

async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}

describe('relay wake-up after commit', () => {
  let t: TestDatabase;
  let listener: Awaited<ReturnType<typeof listen>>;
  beforeAll(async () => {
    t = await createTestDatabase();
    listener = await listen(t.url);
  });
  afterAll(async () => {
    await listener.close();
    await t.drop();
  });

  it('an append transaction issues no NOTIFY of its own (no outbox trigger)', async () => {
    // A plain Kysely, not connect(): only the database itself could notify here.
    const plain = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: t.url, max: 1 }) }) });
    try {
      const before = listener.seen.count;
      await plain.transaction().execute((tx) => appendInvoices(tx, 1, 3));
      await appendInvoices(plain, 10, 1); // autocommit, the invoice create's shape
      await sleep(300);
      expect(listener.seen.count).toBe(before);
      // The listener hears: the same append through connect() is followed by a wake-up.
      await appendInvoices(t.db, 15, 1);
      await waitFor(() => listener.seen.count > before);
    } finally {
      await plain.destroy();
    }
  });

  it('a writer through connect() wakes the relay after its commit, not before', async () => {
    const before = listener.seen.count;
    await t.db.transaction().execute(async (tx) => {
      await appendInvoices(tx, 20, 2);
      await sleep(300);
      expect(listener.seen.count).toBe(before);
    });
    await waitFor(() => listener.seen.count > before);
    await sleep(200);
    expect(listener.seen.count).toBe(before + 1);
  });

  it('an autocommitted append wakes the relay too; a rolled-back one does not', async () => {
    let before = listener.seen.count;
    await appendInvoices(t.db, 30, 1);
    await waitFor(() => listener.seen.count > before);

    await sleep(100);
    before = listener.seen.count;
    await expect(
      t.db.transaction().execute(async (tx) => {
        await appendInvoices(tx, 40, 1);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    await sleep(300);
    expect(listener.seen.count).toBe(before);
  });

  it("the API's invoice create (one call of insert_invoice_with_event, migration 170) wakes the relay after its commit", async () => {
    const ctx = { correlationId: 'corr-wake', actor: 'test' };
    const customer = await createCustomer(t.db, { name: 'Wake', email: 'wake@example.com' }, ctx, new Date());
    await sleep(100);
    const before = listener.seen.count;
    const invoiceId = newInvoiceId();
    const lines = [{ lineId: 'l1', kind: 'revenue' as const, description: 'Plan', amount: 1000, servicePeriod: { start: '2026-01-01', end: '2027-01-01' } }];
    await executeInvoiceCommand(t.db, invoiceId, { type: 'create', invoiceId, customerId: customer.id, currency: 'USD', issuedAt: '2026-01-01', lines }, ctx, new Date());
    await waitFor(() => listener.seen.count > before);
    const { rows } = await t.pool.query(`SELECT o.position FROM outbox o JOIN events e ON e.position = o.position WHERE e.aggregate_id = $1`, [invoiceId]);
    expect(rows).toHaveLength(1);
  });

  it('many concurrent commits wake the relay, never more often than they commit', async () => {
    await sleep(100);
    const before = listener.seen.count;
    await Promise.all(Array.from({ length: 20 }, (_, i) => appendInvoices(t.db, 100 + i, 1)));
    await waitFor(() => listener.seen.count > before);
    await sleep(300);
    const woke = listener.seen.count - before;
    expect(woke).toBeGreaterThanOrEqual(1);
    // How many collapse depends on timing: since the wake-up has a session of its own its
    // NOTIFY often ends before the next commit, and 20 commits may send 20 (seen in CI).
    // The coalescing itself (one send in flight, exactly one more after the wakes made
    // meanwhile) is test/db/coalescedWake.unit.test.ts's, with the send held open.
    expect(woke).toBeLessThanOrEqual(20);
  });

  it("is sent on a connection of its own, not one of the pool's, as NOTIFY", async () => {
    // A pool of one connection, held by a transaction right after the write commits: the
    // wake-up still arrives, because it never waits for the pool (a create would otherwise
    // wait behind it for a connection).
    const h = connect(t.url, { max: 1, applicationName: 'accrue-test' });
    const wakeSessions = async () =>
      (await t.pool.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'accrue-test-wake'`)).rows[0].n as number;
    try {
      // The first wake-up goes through the pool (no wait for a handshake) and opens the connection.
      let before = listener.seen.count;
      expect(await wakeSessions()).toBe(0);
      await appendInvoices(h.db, 199, 1);
      await waitFor(() => listener.seen.count > before);
      for (let i = 0; i < 100 && (await wakeSessions()) === 0; i++) await sleep(20);
      expect(await wakeSessions()).toBe(1);
      before = listener.seen.count;
      await appendInvoices(h.db, 200, 1);
      await h.db.transaction().execute(async (tx) => {
        await appendInvoices(tx, 201, 1);
        await waitFor(() => listener.seen.count > before);
      });
      const sender = listener.seen.senders[before]!;
      expect(await wakeSessions()).toBe(1);
      const { rows } = await t.pool.query<{ application_name: string; query: string }>(
        'SELECT application_name, query FROM pg_stat_activity WHERE pid = $1',
        [sender],
      );
      expect(rows[0]).toEqual({ application_name: 'accrue-test-wake', query: `NOTIFY ${OUTBOX_CHANNEL}` });
    } finally {
      await h.close();
    }
  });

  it('reconnects when the server ended the wake-up connection', async () => {
    const h = connect(t.url, { applicationName: 'accrue-test-reconnect' });
    try {
      let before = listener.seen.count;
      await appendInvoices(h.db, 300, 1);
      await waitFor(() => listener.seen.count > before);
      const killed = await t.owner.selectFrom(sql`pg_stat_activity`.as('a')).select(sql<boolean>`pg_terminate_backend(pid)`.as('ok'))
        .where(sql.ref('application_name'), '=', 'accrue-test-reconnect-wake').execute();
      expect(killed).toEqual([{ ok: true }]);
      // Straight after the kill (the client may not have noticed yet) and again later.
      before = listener.seen.count;
      await appendInvoices(h.db, 301, 1);
      await waitFor(() => listener.seen.count > before);
      await sleep(100);
      before = listener.seen.count;
      await appendInvoices(h.db, 302, 1);
      await waitFor(() => listener.seen.count > before);
    } finally {
      await h.close();
    }
  });
});
