import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { appendEvents, eventsAtQuery, readEventsAt } from '../../src/events/appendEvents.ts';
import { createHistoryPartitions } from '../../src/db/createHistoryPartitions.ts';
import { createInProcessDriver } from '../../src/cli/scenarios/inProcessDriver.ts';
import { buildSchedules } from '../../src/subscribers/schedules/index.ts';
import { HISTORY_PARTITIONS_QUEUE } from '../../src/subscribers/schedules/historyPartitionSchedule.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase.ts';

/** The tables a plan scans (its "Relation Name"s); with `executed`, only nodes that ran (EXPLAIN ANALYZE). */
function relationsOf(plan: unknown, executed = false): string[] {
  const relations = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const n = node as Record<string, unknown>;
    if (executed && n['Actual Loops'] === 0) return;
    if (typeof n['Relation Name'] === 'string') relations.add(n['Relation Name']);
    Object.values(n).forEach(walk);
  };
  walk(plan);
  return [...relations];
}
const executedRelations = (plan: unknown) => relationsOf(plan, true);

// Integration, real Postgres: the worker's history-partitions schedule, run as the
// runtime role (which may not create tables: create_history_partitions does it as the
// owner), makes this month's ledger partition and ACCRUE_PARTITION_MONTHS_AHEAD more.
describe('history partitions (ledger_entries, events) made ahead by the worker', () => {
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
    expect(again.months.map((m) => m.status)).toEqual(Array(8).fill('exists'));
    expect(again.months.map((m) => m.partition)).toContain('events_2031_08');

    await expect(sql`TRUNCATE ledger_entries_2031_06`.execute(t.owner)).rejects.toThrow(/append-only/);
    const truncateTriggers = await sql<{ table: string }>`
      SELECT tgrelid::regclass::text AS table FROM pg_trigger
      WHERE tgrelid IN ('events_2031_06'::regclass, 'ledger_entries_2031_06'::regclass) AND tgname LIKE '%no\_truncate' ORDER BY 1`.execute(t.owner);
    expect(truncateTriggers.rows.map((r) => r.table)).toEqual(['events_2031_06', 'ledger_entries_2031_06']);
    const privileges = await sql<Record<string, boolean>>`
      SELECT has_table_privilege('ledger_entries_2031_06', 'SELECT') AS "select", has_table_privilege('ledger_entries_2031_06', 'INSERT') AS "insert",
             has_table_privilege('ledger_entries_2031_06', 'UPDATE') AS "update", has_table_privilege('ledger_entries_2031_06', 'DELETE') AS "delete",
             has_table_privilege('ledger_entries_2031_06', 'TRUNCATE') AS "truncate"`.execute(t.db);
    expect(privileges.rows[0]).toEqual({ select: true, insert: false, update: false, delete: false, truncate: false });
  });

  it('reads an event by position (a worker bundle) from its own partition, and a month of events from one partition', async () => {
    const appended = await appendEvents(t.db, [{ type: 'CustomerCreated', aggregateId: 'cus_p', aggregateVersion: 1, occurredAt: '2026-01-01', data: { name: 'P', email: 'p@example.com' } }], { correlationId: 'c', actor: 'test' });
    const position = appended[0]!.event.position;
    expect((await readEventsAt(t.db, [position])).map((e) => e.eventId)).toEqual([appended[0]!.event.eventId]);
    const month = appended[0]!.event.recordedAt.slice(0, 7);
    const own = `events_${month.replace('-', '_')}`;
    const stored = await sql<{ partition: string }>`SELECT tableoid::regclass::text AS partition FROM events WHERE position = ${position}`.execute(t.db);
    expect(stored.rows).toEqual([{ partition: own }]);
    // readEventsAt's join: run-time pruning leaves every other partition unexecuted.
    const bundle = await sql<{ 'QUERY PLAN': unknown }>`
      EXPLAIN (ANALYZE, FORMAT JSON) SELECT e.* FROM event_keys k JOIN events e ON e.position = k.position AND e.recorded_at = k.recorded_at
      WHERE k.position = ANY(${[String(position)]}::bigint[])`.execute(t.db);
    expect(executedRelations(bundle.rows[0]!['QUERY PLAN']).filter((r) => r.startsWith('events'))).toEqual([own]);
    const byMonth = await sql<{ 'QUERY PLAN': unknown }>`
      EXPLAIN (FORMAT JSON) SELECT count(*) FROM events
      WHERE recorded_at >= ${`${month}-01T00:00:00Z`}::timestamptz AND recorded_at < (${`${month}-01T00:00:00Z`}::timestamptz + interval '1 month')`.execute(t.db);
    expect(relationsOf(byMonth.rows[0]!['QUERY PLAN'])).toEqual([own]);
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
    expect(relationsOf(plan.rows[0]!['QUERY PLAN'])).toEqual(['ledger_entries_2031_06']);
  });

  it('leaves a month alone whose rows already sit in the DEFAULT partition, and counts them', async () => {
    // Dated past every partition made ahead: only the DEFAULT partition takes it.
    await sql`INSERT INTO ledger_entries (currency, entry_date, origin_date, kind, invoice_id, accounts_receivable, revenue)
              VALUES ('USD', '2032-02-10', '2032-02-10', 'invoice_issued', 'inv_far', 100, -100)`.execute(t.db);
    const result = await createHistoryPartitions(t.db, { now: new Date('2031-12-01T00:00:00Z'), monthsAhead: 3 });
    expect(result.months.filter((m) => m.partition.startsWith('ledger_entries'))).toEqual([
      { partition: 'ledger_entries_2031_12', status: 'created' },
      { partition: 'ledger_entries_2032_01', status: 'created' },
      { partition: 'ledger_entries_2032_02', status: 'blocked' },
      { partition: 'ledger_entries_2032_03', status: 'created' },
    ]);
    expect(result.defaultRows).toEqual({ ledger_entries_default: 1, events_default: 0 });
    const row = await sql<{ partition: string }>`SELECT tableoid::regclass::text AS partition FROM ledger_entries WHERE invoice_id = 'inv_far'`.execute(t.db);
    expect(row.rows).toEqual([{ partition: 'ledger_entries_default' }]);
    // The worker's tick runs the same and does not fail on it (it logs a warning).
    await expect(tick(new Date('2031-12-15T00:00:00Z'))).resolves.toBeUndefined();
  });

  it('a bundle read by position plans only the partitions from its recentFrom on, and still finds an event recorded earlier', async () => {
    const recent = await appendEvents(t.db, [{ type: 'CustomerCreated', aggregateId: 'cus_recent', aggregateVersion: 1, occurredAt: '2026-01-01', data: { name: 'R', email: 'r@example.com' } }], { correlationId: 'c', actor: 'test' });
    const positions = [recent[0]!.event.position];
    // With a bound after every partition but those made ahead for 2031 (earlier tests),
    // the plan holds those and DEFAULT only: what a bound one month back holds in a
    // database years old (two months, three ahead, DEFAULT), however many months lie before.
    const plan = await sql<{ 'QUERY PLAN': unknown }>`EXPLAIN (FORMAT JSON) ${eventsAtQuery(positions, '2031-06-01')}`.execute(t.db);
    const planned = relationsOf(plan.rows[0]!['QUERY PLAN']).filter((r) => r.startsWith('events_'));
    expect(planned.length).toBeGreaterThan(0);
    expect(planned.every((r) => r === 'events_default' || r >= 'events_2031_06')).toBe(true);
    // The event itself is older than that bound: found by the second statement.
    expect((await readEventsAt(t.db, positions, { recentFrom: '2031-06-01' })).map((e) => e.eventId)).toEqual([recent[0]!.event.eventId]);
    expect((await readEventsAt(t.db, positions, { recentFrom: '2026-01-01' })).map((e) => e.eventId)).toEqual([recent[0]!.event.eventId]);
  });
});
