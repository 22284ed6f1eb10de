import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createHistoryPartitions } from '../../src/db/createHistoryPartitions.ts';
import { createInProcessDriver } from '../../src/cli/scenarios/inProcessDriver.ts';
import { buildSchedules } from '../../src/subscribers/schedules/index.ts';
import { HISTORY_PARTITIONS_QUEUE } from '../../src/subscribers/schedules/historyPartitionSchedule.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase.ts';

// Integration, real Postgres: the worker's history-partitions schedule, run as the
// runtime role (which may not create tables: create_history_partitions does it as the
// owner), makes this month's ledger partition and ACCRUE_PARTITION_MONTHS_AHEAD more.
describe('ledger partitions made ahead by the worker', () => {
  let t: TestDatabase;
  const task = buildSchedules(loadConfig({ ACCRUE_PARTITION_MONTHS_AHEAD: '3' })).find((s) => s.name === HISTORY_PARTITIONS_QUEUE)!;
  const tick = (now: Date) => t.db.transaction().execute((tx) => task.run({ db: tx, log: silentLogger, now }));
  const partitionsOf = async () =>
    (await sql<{ name: string }>`SELECT partition::text AS name FROM history_partitions('ledger_entries') ORDER BY 1`.execute(t.db)).rows.map((r) => r.name);

  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('a new install (the test template, migrated today) has a partition for every earlier date, this month and three more', async () => {
    const names = await partitionsOf();
    expect(names.filter((n) => /^ledger_entries_before_\d{4}_\d{2}$/.test(n))).toHaveLength(1);
    expect(names.filter((n) => /^ledger_entries_\d{4}_\d{2}$/.test(n)).length).toBeGreaterThanOrEqual(4);
    expect(names).toContain('ledger_entries_default');
    // Back-dated entries (2019) posted through the revenue subscriber are not in DEFAULT.
    await createInProcessDriver(t.db, { now: new Date('2019-03-01T12:00:00Z') }).importEvents([
      {
        eventId: 'old-1',
        type: 'InvoiceCreated',
        occurredAt: '2019-01-10',
        invoiceId: 'inv_old',
        version: 1,
        data: { customerId: 'cus_old', currency: 'USD', lines: [{ lineId: 'l1', kind: 'revenue', description: '', amount: 3100, servicePeriod: { start: '2019-01-01', end: '2019-02-01' } }] },
      },
    ]);
    const where = await sql<{ partition: string }>`
      SELECT DISTINCT tableoid::regclass::text AS partition FROM ledger_entries WHERE invoice_id = 'inv_old'`.execute(t.db);
    expect(where.rows.map((r) => r.partition)).toEqual([expect.stringMatching(/^ledger_entries_before_/)]);
  });

  it('creates the month of now and the three after it, once, each refusing TRUNCATE and granting the runtime role SELECT only', async () => {
    await tick(new Date('2031-05-10T04:00:00Z'));
    const names = await partitionsOf();
    expect(names).toEqual(expect.arrayContaining(['ledger_entries_2031_05', 'ledger_entries_2031_06', 'ledger_entries_2031_07', 'ledger_entries_2031_08']));
    expect(names).not.toContain('ledger_entries_2031_09');
    // Idempotent: a second tick (any worker, any hour of the month) changes nothing.
    await tick(new Date('2031-05-31T23:00:00Z'));
    expect(await partitionsOf()).toEqual(names);
    const again = await createHistoryPartitions(t.db, { now: new Date('2031-05-20T00:00:00Z'), monthsAhead: 3 });
    expect(again.months.map((m) => m.status)).toEqual(['exists', 'exists', 'exists', 'exists']);

    await expect(sql`TRUNCATE ledger_entries_2031_06`.execute(t.owner)).rejects.toThrow(/append-only/);
    const privileges = await sql<Record<string, boolean>>`
      SELECT has_table_privilege('ledger_entries_2031_06', 'SELECT') AS "select", has_table_privilege('ledger_entries_2031_06', 'INSERT') AS "insert",
             has_table_privilege('ledger_entries_2031_06', 'UPDATE') AS "update", has_table_privilege('ledger_entries_2031_06', 'DELETE') AS "delete",
             has_table_privilege('ledger_entries_2031_06', 'TRUNCATE') AS "truncate"`.execute(t.db);
    expect(privileges.rows[0]).toEqual({ select: true, insert: false, update: false, delete: false, truncate: false });
  });

  it('routes a month\'s entries, posted by the revenue subscriber, to its partition, and a query of that month reads only it', async () => {
    const driver = createInProcessDriver(t.db, { now: new Date('2031-06-20T12:00:00Z') });
    await driver.importEvents([
      {
        eventId: 'june-1',
        type: 'InvoiceCreated',
        occurredAt: '2031-06-03',
        invoiceId: 'inv_june',
        version: 1,
        data: { customerId: 'cus_june', currency: 'USD', lines: [{ lineId: 'l1', kind: 'revenue', description: '', amount: 3000, servicePeriod: { start: '2031-06-01', end: '2031-07-01' } }] },
      },
    ]);
    const where = await sql<{ partition: string }>`
      SELECT DISTINCT tableoid::regclass::text AS partition FROM ledger_entries WHERE invoice_id = 'inv_june'`.execute(t.db);
    expect(where.rows).toEqual([{ partition: 'ledger_entries_2031_06' }]);

    const plan = await sql<{ 'QUERY PLAN': unknown }>`
      EXPLAIN (FORMAT JSON) SELECT currency, sum(revenue) FROM ledger_entries
      WHERE entry_date >= '2031-06-01' AND entry_date < '2031-07-01' GROUP BY currency`.execute(t.db);
    const relations = new Set<string>();
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(walk);
      if (node && typeof node === 'object') {
        for (const [k, v] of Object.entries(node)) {
          if (k === 'Relation Name') relations.add(String(v));
          else walk(v);
        }
      }
    };
    walk(plan.rows[0]!['QUERY PLAN']);
    expect([...relations]).toEqual(['ledger_entries_2031_06']);
  });

  it('leaves a month alone whose rows already sit in the DEFAULT partition, and counts them', async () => {
    // Dated past every partition made ahead: only the DEFAULT partition takes it.
    await sql`INSERT INTO ledger_entries (currency, entry_date, origin_date, kind, invoice_id, accounts_receivable, revenue)
              VALUES ('USD', '2032-02-10', '2032-02-10', 'invoice_issued', 'inv_far', 100, -100)`.execute(t.db);
    const result = await createHistoryPartitions(t.db, { now: new Date('2031-12-01T00:00:00Z'), monthsAhead: 3 });
    expect(result.months).toEqual([
      { partition: 'ledger_entries_2031_12', status: 'created' },
      { partition: 'ledger_entries_2032_01', status: 'created' },
      { partition: 'ledger_entries_2032_02', status: 'blocked' },
      { partition: 'ledger_entries_2032_03', status: 'created' },
    ]);
    expect(result.defaultRows).toEqual({ ledger_entries_default: 1 });
    const row = await sql<{ partition: string }>`SELECT tableoid::regclass::text AS partition FROM ledger_entries WHERE invoice_id = 'inv_far'`.execute(t.db);
    expect(row.rows).toEqual([{ partition: 'ledger_entries_default' }]);
    // The worker's tick runs the same and does not fail on it (it logs a warning).
    await expect(tick(new Date('2031-12-15T00:00:00Z'))).resolves.toBeUndefined();
  });
});
