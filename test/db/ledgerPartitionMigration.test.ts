import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connect, type DbHandle } from '../../src/db/connect.ts';
import type { Database } from '../../src/db/schema.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createInProcessDriver } from '../../src/cli/scenarios/inProcessDriver.ts';
import { runScenario } from '../../src/cli/scenarios/runScenario.ts';
import { loadScenarios } from '../../src/cli/scenarios/scenarioFile.ts';
import { createEmptyDatabase, migrateBefore } from '../helpers/olderSchema.ts';

// Integration, real Postgres: a database at migration 122 (ledger_entries one heap),
// filled through the revenue subscriber's own write path (scenarios imported and their
// months closed), then migrated to 131 (ledger_entries partitioned by month). Every
// row, view row, total and sequence value must be as before, and every change the
// append-only ledger refused before must still be refused, on the parent and on each
// partition, as the runtime role and as the owner.

const SCENARIOS = path.resolve(import.meta.dirname, '../../../shared/scenarios');
const NOW = new Date('2026-11-26T12:00:00Z');

async function snapshot(db: Kysely<Database>) {
  const rows = async (query: string) => (await sql<{ r: unknown }>`SELECT to_jsonb(x) AS r FROM (${sql.raw(query)}) x`.execute(db)).rows.map((r) => r.r);
  return {
    entries: await rows('SELECT * FROM ledger_entries ORDER BY entry_id'),
    lines: await rows('SELECT * FROM ledger_lines ORDER BY entry_id, account'),
    postedTotals: await rows('SELECT * FROM ledger_posted_totals ORDER BY invoice_id, bucket, kind, line_id, payment_id'),
    closedTotals: await rows('SELECT * FROM ledger_closed_month_totals ORDER BY currency, period'),
    locks: await rows('SELECT period FROM ledger_period_locks ORDER BY period'),
    chain: await rows('SELECT * FROM audit_invoice_chain ORDER BY to_jsonb(audit_invoice_chain)::text'),
    revenueChanges: await rows('SELECT * FROM audit_revenue_changes ORDER BY to_jsonb(audit_revenue_changes)::text'),
    history: await rows('SELECT * FROM audit_invoice_history ORDER BY to_jsonb(audit_invoice_history)::text'),
    sequence: await rows('SELECT last_value, is_called FROM ledger_entries_entry_id_seq'),
    events: await rows('SELECT * FROM events ORDER BY position'),
    eventSequence: await rows('SELECT last_value, is_called FROM events_position_seq'),
    outbox: await rows('SELECT position FROM outbox ORDER BY position'),
  };
}

type Snapshot = Awaited<ReturnType<typeof snapshot>>;
type Attempt = 'UPDATE' | 'DELETE' | 'TRUNCATE' | 'INSERT';

/** What the database answers to each change of `table`: refused by privilege, by the append-only trigger, or done. */
async function refusals(db: Kysely<Database>, table: string, attempts: readonly Attempt[]): Promise<Record<string, string>> {
  const tbl = sql.table(table);
  const isEvents = table.startsWith('events');
  const statements: Record<Attempt, ReturnType<typeof sql>> = {
    UPDATE: table === 'event_keys' ? sql`UPDATE ${tbl} SET event_id = event_id` : isEvents ? sql`UPDATE ${tbl} SET actor = actor` : sql`UPDATE ${tbl} SET note = note`,
    DELETE: sql`DELETE FROM ${tbl}`,
    TRUNCATE: sql`TRUNCATE ${tbl}`,
    INSERT: isEvents
      ? sql`INSERT INTO ${tbl} (event_id, type, schema_version, aggregate_type, aggregate_id, occurred_at, correlation_id, actor, data)
            VALUES (gen_random_uuid(), 'X', 1, 'x', 'x', '2019-03-03', 'c', 'a', '{}')`
      : sql`INSERT INTO ${tbl} (currency, entry_date, origin_date, kind, invoice_id, accounts_receivable, revenue)
            VALUES ('USD', '2019-03-03', '2019-03-03', 'invoice_issued', 'inv_direct', 1, -1)`,
  };
  const out: Record<string, string> = {};
  for (const a of attempts) {
    // Each in a transaction rolled back, so an attempt that wrongly succeeds changes nothing for the next.
    out[a] = await db
      .transaction()
      .execute(async (tx) => {
        await statements[a].execute(tx);
        throw new Error('done');
      })
      .then(
        () => 'done',
        (err: Error) =>
          /permission denied/.test(err.message) ? 'permission denied'
          : /append-only/.test(err.message) ? 'append-only'
          : /referenced in a foreign key/.test(err.message) ? 'foreign key' // the outbox references events
          : err.message,
      );
  }
  return out;
}

describe('migrating a populated ledger to monthly partitions', () => {
  const role = inject('runtimeRole');
  const name = `parts_mig_${randomBytes(4).toString('hex')}`;
  let ownerUrl: string;
  let runtimeUrl: string;
  let app: DbHandle;
  let owner: DbHandle;
  let database: Awaited<ReturnType<typeof createEmptyDatabase>>;
  let before: Snapshot;
  let refusedBefore: { runtime: Record<string, string>; owner: Record<string, string> };
  let eventRefusalsBefore: { runtime: Record<string, string>; owner: Record<string, string> };

  beforeAll(async () => {
    database = await createEmptyDatabase(name);
    ({ ownerUrl, runtimeUrl } = database);
    // The schema as it was before partitioning: migrations up to 122.
    await migrateBefore(ownerUrl, 130, { runtimeUrl });
    app = connect(runtimeUrl, { max: 4 });
    owner = connect(ownerUrl, { max: 2 });
    // Today's append path also claims import keys in event_external_ids (migration 132);
    // on the old schema it gets that one table as a stand-in, dropped before migrating:
    // events, outbox and the ledger are written exactly as the old path wrote them.
    await sql`CREATE TABLE event_external_ids (source text, external_id text, event_id uuid, PRIMARY KEY (source, external_id));
              GRANT SELECT, INSERT ON event_external_ids TO ${sql.id(role.user)}`.execute(owner.db);
    // Today's revenue posting looks its book events up by a uuid (migration 174); the old
    // table gets that column type ahead of time (no other change; 174 leaves it as it is).
    await sql`ALTER TABLE revenue_book_events ALTER COLUMN event_id TYPE uuid USING event_id::uuid`.execute(owner.db);
    // Today's readers of an event by id go through event_keys (migration 132 makes it a
    // table the append fills); here a view of the old table answers them the same way.
    await sql`CREATE VIEW event_keys AS SELECT position, event_id, recorded_at FROM events;
              GRANT SELECT ON event_keys TO ${sql.id(role.user)}`.execute(owner.db);
    expect((await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_partitioned_table`.execute(owner.db)).rows[0]!.n).toBe(0);
    // The real write path: events imported, the revenue subscriber posting, months closed.
    const scenarios = await loadScenarios(SCENARIOS);
    for (const s of scenarios.slice(0, 6)) {
      const ops = s.operations.map((op) => ('eventId' in op ? { ...op, eventId: `${s.id}-${op.eventId}` } : op));
      await runScenario({ ...s, operations: ops }, createInProcessDriver(app.db, { now: NOW, correlationId: s.id }));
    }
    await createInProcessDriver(app.db, { now: NOW }).closePeriod('2019-06');
    before = await snapshot(app.db);
    refusedBefore = {
      runtime: await refusals(app.db, 'ledger_entries', ['UPDATE', 'DELETE', 'TRUNCATE']),
      owner: await refusals(owner.db, 'ledger_entries', ['UPDATE', 'DELETE', 'TRUNCATE']),
    };
    eventRefusalsBefore = {
      runtime: await refusals(app.db, 'events', ['UPDATE', 'DELETE', 'TRUNCATE']),
      owner: await refusals(owner.db, 'events', ['UPDATE', 'DELETE', 'TRUNCATE']),
    };
    await sql`DROP TABLE event_external_ids; DROP VIEW event_keys`.execute(owner.db);
    await migrate(ownerUrl, { runtimeUrl });
  });

  afterAll(async () => {
    await app?.close().catch(() => {});
    await owner?.close().catch(() => {});
    await database?.drop();
  });

  it('was populated with entries over several months, some of them closed', () => {
    expect(before.entries.length).toBeGreaterThan(50);
    expect(before.locks.length).toBeGreaterThan(0);
    expect(new Set(before.entries.map((e) => (e as { period: string }).period)).size).toBeGreaterThan(6);
  });

  it('keeps every row, view row, total and the sequence, with the old rows attached (not copied) as ledger_entries_legacy', async () => {
    expect(await snapshot(app.db)).toEqual(before);
    const where = await sql<{ partition: string; n: number }>`
      SELECT tableoid::regclass::text AS partition, count(*)::int AS n FROM ledger_entries GROUP BY 1`.execute(app.db);
    expect(where.rows).toEqual([{ partition: 'ledger_entries_legacy', n: before.entries.length }]);
    const events = await sql<{ partition: string; n: number }>`
      SELECT tableoid::regclass::text AS partition, count(*)::int AS n FROM events GROUP BY 1`.execute(app.db);
    expect(events.rows).toEqual([{ partition: 'events_legacy', n: before.events.length }]);
    // The side tables hold every event's keys; every pending outbox row finds its event through them.
    const keys = await sql<{ missing: number; external: number; outboxMismatch: number }>`
      SELECT (SELECT count(*)::int FROM events e LEFT JOIN event_keys k USING (position, event_id, recorded_at) WHERE k.position IS NULL) AS missing,
             (SELECT count(*)::int FROM event_external_ids x JOIN events e USING (source, external_id, event_id)) AS external,
             (SELECT count(*)::int FROM outbox o LEFT JOIN event_keys k ON k.position = o.position
              LEFT JOIN events e ON e.position = k.position AND e.recorded_at = k.recorded_at WHERE e.position IS NULL) AS "outboxMismatch"`.execute(app.db);
    expect(keys.rows[0]).toEqual({
      missing: 0,
      external: before.events.filter((e) => (e as { external_id: string | null }).external_id !== null).length,
      outboxMismatch: 0,
    });
    expect(keys.rows[0]!.external).toBeGreaterThan(0);
    const parent = await sql<{ kind: string }>`SELECT relkind::text AS kind FROM pg_class WHERE oid = 'ledger_entries'::regclass`.execute(app.db);
    expect(parent.rows[0]!.kind).toBe('p');
  });

  it('posts new entries through the parent with ids continuing the sequence, into the month partition of their date', async () => {
    const maxBefore = Math.max(...before.entries.map((e) => Number((e as { entry_id: number }).entry_id)));
    const partitions = await sql<{ partition: string; lower_bound: Date | null }>`
      SELECT partition::text, lower_bound FROM history_partitions('ledger_entries') WHERE NOT is_default AND lower_bound > '-infinity'
      ORDER BY lower_bound`.execute(app.db);
    expect(partitions.rows.length).toBeGreaterThanOrEqual(2);
    const month = partitions.rows[0]!;
    const day = month.lower_bound!.toISOString().slice(0, 10);
    const end = partitions.rows[1]!.lower_bound!.toISOString().slice(0, 10);
    const driver = createInProcessDriver(app.db, { now: new Date(`${day}T12:00:00Z`) });
    await driver.importEvents([
      {
        eventId: 'after-migration-1',
        type: 'InvoiceCreated',
        occurredAt: day,
        invoiceId: 'inv_after',
        version: 1,
        data: { customerId: 'cus_after', currency: 'USD', lines: [{ lineId: 'l1', kind: 'revenue', description: '', amount: 3000, servicePeriod: { start: day, end } }] },
      },
    ]);
    const rows = await sql<{ entry_id: string; partition: string }>`
      SELECT entry_id, tableoid::regclass::text AS partition FROM ledger_entries WHERE invoice_id = 'inv_after'`.execute(app.db);
    expect(rows.rows.length).toBeGreaterThan(0);
    expect(rows.rows.every((r) => Number(r.entry_id) > maxBefore)).toBe(true);
    expect(new Set(rows.rows.map((r) => r.partition))).toEqual(new Set([month.partition]));
    const totals = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ledger_posted_totals WHERE invoice_id = 'inv_after'`.execute(app.db);
    expect(totals.rows[0]!.n).toBeGreaterThan(0); // the parent's statement trigger saw the insert
  });

  it('imports stay idempotent across the migration: an event imported before is not stored again', async () => {
    const imported = before.events.find((e) => (e as { source: string }).source === 'import') as { external_id: string; aggregate_id: string } | undefined;
    expect(imported).toBeDefined();
    const count = async () => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM events`.execute(app.db)).rows[0]!.n;
    const n = await count();
    const s = (await loadScenarios(SCENARIOS))[0]!;
    const ops = s.operations.map((op) => ('eventId' in op ? { ...op, eventId: `${s.id}-${op.eventId}` } : op));
    await runScenario({ ...s, operations: ops }, createInProcessDriver(app.db, { now: NOW, correlationId: s.id }));
    expect(await count()).toBe(n);
    // A direct insert that would store a second event for the key is refused too.
    await expect(
      sql`INSERT INTO events (event_id, type, schema_version, aggregate_type, aggregate_id, occurred_at, correlation_id, actor, source, external_id, data)
          VALUES (gen_random_uuid(), 'X', 1, 'x', 'x', '2019-03-03', 'c', 'a', 'import', ${imported!.external_id}, '{}')`.execute(app.db),
    ).rejects.toThrow(/already stored/);
  });

  it('refuses UPDATE, DELETE and TRUNCATE of events as before, on the parent and on every partition', async () => {
    const parts = await sql<{ partition: string }>`SELECT partition::text FROM history_partitions('events') ORDER BY 1`.execute(app.db);
    expect(parts.rows.map((p) => p.partition)).toEqual(expect.arrayContaining(['events_default', 'events_legacy']));
    expect(await refusals(app.db, 'events', ['UPDATE', 'DELETE', 'TRUNCATE'])).toEqual(eventRefusalsBefore.runtime);
    expect(eventRefusalsBefore).toEqual({
      runtime: { UPDATE: 'permission denied', DELETE: 'permission denied', TRUNCATE: 'permission denied' },
      owner: { UPDATE: 'append-only', DELETE: 'append-only', TRUNCATE: 'foreign key' },
    });
    // TRUNCATE is refused by events' own trigger now (the outbox's foreign key, which
    // refused it first before, names event_keys instead), so by nothing weaker.
    expect(await refusals(owner.db, 'events', ['UPDATE', 'DELETE', 'TRUNCATE'])).toEqual({ ...eventRefusalsBefore.owner, TRUNCATE: 'append-only' });
    expect(await refusals(owner.db, 'event_keys', ['UPDATE', 'DELETE', 'TRUNCATE'])).toEqual({ UPDATE: 'append-only', DELETE: 'append-only', TRUNCATE: 'foreign key' });
    for (const { partition } of parts.rows) {
      expect({ partition, ...(await refusals(app.db, partition, ['UPDATE', 'DELETE', 'TRUNCATE', 'INSERT'])) }).toEqual({
        partition, UPDATE: 'permission denied', DELETE: 'permission denied', TRUNCATE: 'permission denied', INSERT: 'permission denied',
      });
      const asOwner = await refusals(owner.db, partition, ['UPDATE', 'DELETE', 'TRUNCATE']);
      // An empty partition has no row for the row trigger to refuse; TRUNCATE is refused on every one.
      expect(asOwner.TRUNCATE).toBe('append-only');
      if (partition === 'events_legacy') expect({ UPDATE: asOwner.UPDATE, DELETE: asOwner.DELETE }).toEqual({ UPDATE: 'append-only', DELETE: 'append-only' });
    }
  });

  it('refuses UPDATE, DELETE and TRUNCATE as before, on the parent and on every partition, as the runtime role and as the owner', async () => {
    // A row in each partition, so the owner's UPDATE and DELETE reach the row trigger.
    await sql`INSERT INTO ledger_entries (currency, entry_date, origin_date, kind, invoice_id, accounts_receivable, revenue)
              SELECT 'USD', lower_bound::date, lower_bound::date, 'invoice_issued', 'inv_probe', 1, -1
              FROM history_partitions('ledger_entries') WHERE NOT is_default AND lower_bound > '-infinity'
              UNION ALL SELECT 'USD', '2999-01-01', '2999-01-01', 'invoice_issued', 'inv_probe', 1, -1`.execute(app.db);
    const parts = await sql<{ partition: string; n: number }>`
      SELECT h.partition::text AS partition, (SELECT count(*)::int FROM ledger_entries e WHERE e.tableoid = h.partition) AS n
      FROM history_partitions('ledger_entries') h ORDER BY 1`.execute(app.db);
    expect(parts.rows.map((p) => p.partition)).toContain('ledger_entries_default');
    expect(parts.rows.length).toBeGreaterThanOrEqual(4);
    expect(parts.rows.every((p) => p.n > 0)).toBe(true);

    expect(await refusals(app.db, 'ledger_entries', ['UPDATE', 'DELETE', 'TRUNCATE'])).toEqual(refusedBefore.runtime);
    expect(await refusals(owner.db, 'ledger_entries', ['UPDATE', 'DELETE', 'TRUNCATE'])).toEqual(refusedBefore.owner);
    expect(refusedBefore).toEqual({
      runtime: { UPDATE: 'permission denied', DELETE: 'permission denied', TRUNCATE: 'permission denied' },
      owner: { UPDATE: 'append-only', DELETE: 'append-only', TRUNCATE: 'append-only' },
    });
    for (const { partition } of parts.rows) {
      expect({ partition, ...(await refusals(app.db, partition, ['UPDATE', 'DELETE', 'TRUNCATE', 'INSERT'])) }).toEqual({
        partition,
        UPDATE: 'permission denied',
        DELETE: 'permission denied',
        TRUNCATE: 'permission denied',
        INSERT: 'permission denied', // rows go in through the parent and its statement triggers
      });
      expect({ partition, ...(await refusals(owner.db, partition, ['UPDATE', 'DELETE', 'TRUNCATE'])) }).toEqual({
        partition,
        UPDATE: 'append-only',
        DELETE: 'append-only',
        TRUNCATE: 'append-only',
      });
    }
    // Still a closed month is closed, through the parent.
    const closed = (before.locks.at(-1) as { period: string }).period;
    await expect(
      sql`INSERT INTO ledger_entries (currency, entry_date, origin_date, kind, invoice_id, accounts_receivable, revenue)
          VALUES ('USD', ${`${closed}-01`}::date, ${`${closed}-01`}::date, 'invoice_issued', 'inv_closed', 1, -1)`.execute(app.db),
    ).rejects.toThrow(/closed period/);
  });
});
