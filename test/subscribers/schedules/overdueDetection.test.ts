import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgBoss } from 'pg-boss';
import { detectOverdueInvoices, detectOverdueInvoicesInTransaction } from '../../../src/subscribers/schedules/detectOverdueInvoices.ts';
import { buildSchedules, OVERDUE_DETECTION_QUEUE } from '../../../src/subscribers/schedules/index.ts';
import { runScheduledTasks } from '../../../src/bus/worker/runScheduledTasks.ts';
import { loadConfig } from '../../../src/config.ts';
import { readStoredEvent } from '../../../src/events/envelope.ts';
import { readStream } from '../../../src/events/appendEvents.ts';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';

type Seed = { id: string; status?: 'open' | 'paid' | 'void'; due?: string | null; total?: number; paid?: number };

describe('overdue detection', () => {
  let t: TestDatabase;
  const addInvoices = (seeds: Seed[]) =>
    t.db
      .insertInto('invoices')
      .values(
        seeds.map((s) => ({
          id: s.id, customer_id: 'cus_o', currency: 'USD', status: s.status ?? 'open', issued_at: '2026-01-01',
          due_date: s.due === undefined ? '2026-01-31' : s.due, lines: JSON.stringify([{ lineId: 'l1', kind: 'revenue', amount: s.total ?? 10_000 }]),
          total: s.total ?? 10_000, tax: 0, amount_paid: s.paid ?? 0,
        })),
      )
      .execute();
  const overdueEvents = async (id: string) => (await readStream(t.db, 'invoice', id)).filter((e) => e.type === 'InvoiceOverdue');

  beforeAll(async () => {
    t = await createTestDatabase();
    await t.db.insertInto('customers').values({ id: 'cus_o', name: 'O', email: 'o@example.com' }).execute();
  });
  afterAll(async () => {
    await t.drop();
  });

  it('appends one InvoiceOverdue per open invoice past its due date, and none on a second run', async () => {
    await addInvoices([
      { id: 'od_1', total: 10_000, paid: 2_500 },
      { id: 'od_due_today', due: '2026-02-10' },
      { id: 'od_paid', status: 'paid', paid: 10_000 },
      { id: 'od_void', status: 'void' },
      { id: 'od_no_due', due: null },
    ]);
    expect(await detectOverdueInvoices(t.db, '2026-02-10')).toMatchObject({ detected: 1 });
    expect(await detectOverdueInvoices(t.db, '2026-02-10')).toMatchObject({ detected: 0 });
    expect(await detectOverdueInvoices(t.db, '2026-02-11')).toMatchObject({ detected: 1 }); // od_due_today, a day later

    const [event, ...more] = await overdueEvents('od_1');
    expect(more).toHaveLength(0);
    expect(readStoredEvent(event)).toMatchObject({
      type: 'InvoiceOverdue', occurredAt: '2026-02-10', source: 'system', actor: 'system:overdue-detection',
      data: { dueDate: '2026-01-31', amountDue: 7_500 },
    });
    const outbox = await t.db.selectFrom('outbox').select('position').where('position', '=', event!.position).execute();
    expect(outbox).toHaveLength(1); // the relay will publish it
    const notice = await t.db.selectFrom('invoice_overdue_notices').selectAll().where('invoice_id', '=', 'od_1').executeTakeFirstOrThrow();
    expect(notice).toMatchObject({ due_date: '2026-01-31', amount_due: 7_500, detected_on: '2026-02-10', event_id: event!.eventId });
    for (const id of ['od_paid', 'od_void', 'od_no_due']) expect(await overdueEvents(id)).toHaveLength(0);
  });

  it('a new due date may make the invoice overdue again, once; the old date never again', async () => {
    await addInvoices([{ id: 'od_moved', due: '2026-03-01' }]);
    expect(await detectOverdueInvoices(t.db, '2026-03-05')).toMatchObject({ detected: 1 });
    await t.db.updateTable('invoices').set({ due_date: '2026-03-20' }).where('id', '=', 'od_moved').execute();
    await detectOverdueInvoices(t.db, '2026-03-10'); // not yet past the new date
    expect(await overdueEvents('od_moved')).toHaveLength(1);
    await detectOverdueInvoices(t.db, '2026-03-21');
    await detectOverdueInvoices(t.db, '2026-03-22');
    await t.db.updateTable('invoices').set({ due_date: '2026-03-01' }).where('id', '=', 'od_moved').execute();
    await detectOverdueInvoices(t.db, '2026-03-23');
    expect((await overdueEvents('od_moved')).map((e) => readStoredEvent(e).data)).toEqual([
      { dueDate: '2026-03-01', amountDue: 10_000 },
      { dueDate: '2026-03-20', amountDue: 10_000 },
    ]);
  });

  it('concurrent runs, and runs over several batches, append each notice once', async () => {
    const ids = Array.from({ length: 7 }, (_, i) => `od_many_${i}`);
    await addInvoices(ids.map((id) => ({ id, due: '2026-04-01' })));
    const runs = await Promise.all([
      detectOverdueInvoices(t.db, '2026-04-02', { batchSize: 2 }),
      detectOverdueInvoices(t.db, '2026-04-02', { batchSize: 3 }),
      detectOverdueInvoices(t.db, '2026-04-02'),
    ]);
    expect(runs.reduce((n, r) => n + r.detected, 0)).toBe(7);
    for (const id of ids) expect(await overdueEvents(id)).toHaveLength(1);
  });

  it("in the caller's transaction every batch joins it: a rollback undoes them all, a commit keeps them all", async () => {
    const ids = ['od_tx_1', 'od_tx_2', 'od_tx_3'];
    await addInvoices(ids.map((id) => ({ id, due: '2026-05-01' })));
    const rolledBack = t.db.transaction().execute(async (tx) => {
      expect(await detectOverdueInvoicesInTransaction(tx, '2026-05-02', { batchSize: 1 })).toEqual({ detected: 3, batches: 3 });
      throw new Error('the caller gives up');
    });
    await expect(rolledBack).rejects.toThrow('the caller gives up');
    for (const id of ids) expect(await overdueEvents(id)).toHaveLength(0);
    const notices = await t.db.selectFrom('invoice_overdue_notices').select('invoice_id').where('invoice_id', 'in', ids).execute();
    expect(notices).toHaveLength(0);

    await t.db.transaction().execute((tx) => detectOverdueInvoicesInTransaction(tx, '2026-05-02', { batchSize: 2 }));
    for (const id of ids) expect(await overdueEvents(id)).toHaveLength(1);
  });

  it('as the bus worker runs a tick (inside its transaction), twice: one event', async () => {
    await addInvoices([{ id: 'od_tick', due: '2026-06-01', total: 4_200, paid: 200 }]);
    const [task] = buildSchedules(loadConfig({}));
    expect(task).toMatchObject({ name: OVERDUE_DETECTION_QUEUE, cron: '0 * * * *', tz: 'UTC' });
    const now = new Date('2026-06-05T13:00:00Z');
    for (let i = 0; i < 2; i++) await t.db.transaction().execute((tx) => task!.run({ db: tx, log: silentLogger, now }));
    expect((await overdueEvents('od_tick')).map((e) => [e.occurredAt, readStoredEvent(e).data])).toEqual([
      ['2026-06-05', { dueDate: '2026-06-01', amountDue: 4_000 }],
    ]);
  });

  it('runs as the worker schedules it (runScheduledTasks): registered with its cron, and a tick appends the events', async () => {
    await addInvoices([{ id: 'od_sched', due: '2000-01-01' }]);
    const boss = new PgBoss({ connectionString: t.url, supervise: false, registerInstance: false, createSchema: false });
    boss.on('error', () => {});
    await boss.start();
    try {
      const tasks = buildSchedules(loadConfig({ ACCRUE_OVERDUE_CRON: '*/15 * * * *' }));
      // As startWorker passes the registry's schedules (extra: work of no subscriber).
      await runScheduledTasks(boss, t.db, [], {
        polling: { pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 0.5 },
        log: silentLogger,
        extra: tasks,
        now: () => new Date('2026-06-05T13:00:00Z'),
      });
      const schedules = await boss.getSchedules(OVERDUE_DETECTION_QUEUE);
      expect(schedules.map((s) => [s.name, s.cron, s.timezone])).toEqual([[OVERDUE_DETECTION_QUEUE, '*/15 * * * *', 'UTC']]);
      // A tick, sent now instead of waiting for the cron.
      await boss.send(OVERDUE_DETECTION_QUEUE, {});
      for (let i = 0; i < 500 && (await overdueEvents('od_sched')).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect((await overdueEvents('od_sched')).map((e) => readStoredEvent(e).data)).toEqual([{ dueDate: '2000-01-01', amountDue: 10_000 }]);
    } finally {
      await boss.stop({ graceful: false, timeout: 2_000 });
    }
  });
});
