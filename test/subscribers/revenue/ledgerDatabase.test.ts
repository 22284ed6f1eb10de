import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { appendEvents, readStream } from '../../../src/events/appendEvents.ts';
import { applyInvoiceEvent } from '../../../src/subscribers/revenue/applyInvoiceEvent.ts';
import { runDailyRecognition } from '../../../src/subscribers/revenue/runDailyRecognition.ts';
import { revenueSchedules } from '../../../src/subscribers/revenue/revenueSchedules.ts';
import { recognizeDueLines } from '../../../src/subscribers/revenue/ledger/recognizeDueLines.ts';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { scenarioActual } from '../../../src/reports/scenarioActual.ts';
import { compareBooks, formatDifferences } from '../../../src/cli/scenarios/compareBooks.ts';
import { createInProcessDriver } from '../../../src/cli/scenarios/inProcessDriver.ts';
import { runScenario } from '../../../src/cli/scenarios/runScenario.ts';
import { loadScenarios, type InvoiceOperation } from '../../../src/cli/scenarios/scenarioFile.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';
import { addDays } from '../../../src/values/dates.ts';

const SCENARIOS = path.resolve(import.meta.dirname, '../../../../shared/scenarios');
const TODAY = '2026-11-26';
const scenarios = await loadScenarios(SCENARIOS);
const at = (day: string) => new Date(`${day}T12:00:00Z`);

const create9000: InvoiceOperation = {
  eventId: 'e1',
  type: 'InvoiceCreated',
  occurredAt: '2019-01-01',
  invoiceId: 'inv_1',
  version: 1,
  data: { customerId: 'cus', currency: 'USD', lines: [{ lineId: 'l1', kind: 'revenue', description: '', amount: 9000, servicePeriod: { start: '2019-01-01', end: '2019-04-01' } }] },
};

describe('ledger in Postgres', () => {
  let t: TestDatabase;
  afterEach(async () => {
    await t?.drop();
  });

  it('refuses to change or delete entries, unbalanced entries and entries in a closed month', async () => {
    t = await createTestDatabase();
    const driver = createInProcessDriver(t.db, { now: at(TODAY) });
    await driver.importEvents([create9000]);
    // As the owner: the trigger holds even for a role that may UPDATE (the runtime may not).
    await expect(sql`UPDATE ledger_entries SET revenue = 0`.execute(t.owner)).rejects.toThrow(/append-only/);
    await expect(sql`DELETE FROM ledger_entries`.execute(t.owner)).rejects.toThrow(/append-only/);
    await expect(
      sql`INSERT INTO ledger_entries (currency, entry_date, origin_date, kind, invoice_id, cash, revenue) VALUES ('USD', '2019-05-01', '2019-05-01', 'recognition', 'x', 100, -99)`.execute(t.db),
    ).rejects.toThrow(/ledger_entry_balances/);
    await driver.closePeriod('2019-02');
    await expect(
      sql`INSERT INTO ledger_entries (currency, entry_date, origin_date, kind, invoice_id, deferred_revenue, revenue) VALUES ('USD', '2019-02-28', '2019-02-28', 'recognition', 'x', 1, -1)`.execute(t.db),
    ).rejects.toThrow(/closed period/);
  });

  it('emits revenue events caused by the invoice event, in its correlation', async () => {
    t = await createTestDatabase();
    await createInProcessDriver(t.db, { now: at(TODAY), correlationId: 'corr-9' }).importEvents([create9000]);
    const stream = await readStream(t.db, 'invoice', 'inv_1');
    const created = stream.find((e) => e.type === 'InvoiceCreated')!;
    const deferred = stream.filter((e) => e.type === 'RevenueDeferred');
    expect(deferred).toEqual([expect.objectContaining({ causationId: created.eventId, correlationId: 'corr-9', actor: 'revenue', source: 'revenue', occurredAt: '2019-01-01' })]);
    expect(deferred[0]!.data).toMatchObject({ invoiceId: 'inv_1', currency: 'USD', amount: 9000, postedOn: '2019-01-01' });
    const recognised = stream.filter((e) => e.type === 'RevenueRecognized').map((e) => (e.data as { amount: number }).amount);
    expect(recognised).toEqual([3100, 2800, 3100]);
  });

  it('closing a month posts what is due through its end, locks it, and moves late events to the first open day', async () => {
    t = await createTestDatabase();
    // Today is Jan 20: only 19 days have passed when the invoice arrives.
    const driver = createInProcessDriver(t.db, { now: at('2019-01-20') });
    await driver.importEvents([create9000]);
    expect((await scenarioActual(t.db, {}, at('2019-01-20'))).revenueByMonth.USD).toEqual({ '2019-01': 1900 });
    // January can be closed once it has ended: on Feb 1 (no day of February has passed yet).
    const feb1 = createInProcessDriver(t.db, { now: at('2019-02-01') });
    await feb1.closePeriod('2019-01');
    let books = await scenarioActual(t.db, { asOf: '2019-12-31' });
    expect(books.revenueByMonth.USD!['2019-01']).toBe(3100);

    // A payment dated Jan 15 and a price change dated Jan 20 arrive after the close.
    await feb1.importEvents([
      { eventId: 'e2', type: 'InvoicePaymentReceived', occurredAt: '2019-01-15', invoiceId: 'inv_1', data: { paymentId: 'pay', amount: 4500 } },
      { eventId: 'e3', type: 'InvoiceUpdated', occurredAt: '2019-01-20', invoiceId: 'inv_1', version: 2, data: { currency: 'USD', lines: [{ lineId: 'l1', kind: 'revenue', description: '', amount: 4500, servicePeriod: { start: '2019-01-01', end: '2019-04-01' } }] } },
    ]);
    books = await scenarioActual(t.db, { asOf: '2019-12-31' });
    // Both land on Feb 1: adjustment C_new(Feb 1) - C_old(Feb 1) = 1550 - 3100; January stays as closed.
    expect(books.netMovementByPeriod.USD!['2019-01']).toEqual({ AccountsReceivable: 9000, Cash: 0, DeferredRevenue: 5900, Revenue: 3100, TaxPayable: 0, CustomerCredit: 0 });
    const feb = await sql<{ kind: string; entry_date: string; origin_date: string }>`SELECT kind, entry_date, origin_date FROM ledger_entries WHERE kind IN ('payment_received', 'invoice_updated', 'revenue_adjusted') ORDER BY entry_id`.execute(t.db);
    expect(feb.rows).toEqual([
      { kind: 'payment_received', entry_date: '2019-02-01', origin_date: '2019-02-01' },
      { kind: 'invoice_updated', entry_date: '2019-02-01', origin_date: '2019-02-01' },
      { kind: 'revenue_adjusted', entry_date: '2019-02-01', origin_date: '2019-02-01' },
    ]);
    expect(books.revenueEvents.USD!.RevenueAdjusted).toBe(-1550);
    // The clock says Feb 1: recognition stands at the first open day, none of February yet.
    expect(books.revenueByMonth.USD!['2019-02']).toBe(-1550);
    await runDailyRecognition(t.db, '2019-04-01');
    books = await scenarioActual(t.db, { asOf: '2019-12-31' });
    // 45.00 over 90 days = 50 a day: Feb 28 x 50 = 1400, Mar 1550.
    expect(books.revenueByMonth.USD).toEqual({ '2019-01': 3100, '2019-02': -150, '2019-03': 1550 });
    expect(books.invoiceState.inv_1).toMatchObject({ status: 'paid', version: 2, total: 4500, amountPaid: 4500, amountDue: 0 });
    // Closing an earlier month again changes nothing.
    await feb1.closePeriod('2019-01');
  });

  it('months run to the last month with an entry, even one whose entries net to zero', async () => {
    t = await createTestDatabase();
    const line = (amount: number, servicePeriod?: { start: string; end: string }) => [{ lineId: 'l', kind: 'revenue', description: '', amount, ...(servicePeriod ? { servicePeriod } : {}) }];
    await createInProcessDriver(t.db, { now: at(TODAY) }).importEvents([
      { eventId: 'a', type: 'InvoiceCreated', occurredAt: '2019-01-05', invoiceId: 'inv_a', data: { customerId: 'c', currency: 'USD', lines: line(1000) } },
      // Issued in March for April service and voided in March: March moves nothing in total.
      { eventId: 'b', type: 'InvoiceCreated', occurredAt: '2019-03-10', invoiceId: 'inv_b', data: { customerId: 'c', currency: 'USD', lines: line(3000, { start: '2019-04-01', end: '2019-05-01' }) } },
      { eventId: 'bv', type: 'InvoiceVoided', occurredAt: '2019-03-20', invoiceId: 'inv_b', data: { reason: 'typo' } },
    ]);
    const books = await scenarioActual(t.db, {}, at(TODAY));
    expect(books.months).toEqual(['2019-01', '2019-02', '2019-03']);
    expect(books.netMovementByPeriod.USD!['2019-03']).toEqual({ AccountsReceivable: 0, Cash: 0, DeferredRevenue: 0, Revenue: 0, TaxPayable: 0, CustomerCredit: 0 });
  });

  it('serialises concurrent postings of one invoice', async () => {
    t = await createTestDatabase();
    const driver = createInProcessDriver(t.db, { now: at(TODAY) });
    await driver.importEvents([create9000]);
    const payments: InvoiceOperation[] = [1, 2, 3, 4, 5, 6].map((i) => ({
      eventId: `p${i}`,
      type: 'InvoicePaymentReceived',
      occurredAt: '2019-01-10',
      invoiceId: 'inv_1',
      data: { paymentId: `pay${i}`, amount: 2000 },
    }));
    await Promise.all(payments.map((p) => createInProcessDriver(t.db, { now: at(TODAY) }).importEvents([p])));
    const books = await scenarioActual(t.db, {}, at(TODAY));
    // 12,000 received on a 9,000 invoice: 9,000 against AR, 3,000 customer credit.
    expect(books.closingBalances.USD!['2019-03']).toMatchObject({ AccountsReceivable: 0, Cash: 12000, CustomerCredit: 3000 });
    expect(books.invoiceState.inv_1).toMatchObject({ status: 'paid', amountPaid: 12000 });
  });
});

describe('daily recognition', () => {
  let t: TestDatabase;
  afterEach(async () => {
    await t?.drop();
  });

  it('resumes after a crash: a committed batch stays, a failed one leaves nothing, the rerun completes', async () => {
    t = await createTestDatabase();
    const s01 = scenarios.find((s) => s.id.startsWith('S01'))!;
    await runScenario(s01, createInProcessDriver(t.db, { now: at('2019-01-01') }));
    await t.db.transaction().execute((tx) => recognizeDueLines(tx, { horizon: '2019-03-10', firstOpenDay: null, correlationId: 'crash', limit: 1 }));
    await expect(
      t.db.transaction().execute(async (tx) => {
        await recognizeDueLines(tx, { horizon: '2019-06-10', firstOpenDay: null, correlationId: 'crash', limit: 1 });
        throw new Error('worker killed');
      }),
    ).rejects.toThrow('worker killed');
    const mid = await scenarioActual(t.db, {}, at('2019-03-10'));
    expect(mid.revenueByMonth.USD).toEqual({ '2019-01': 3100, '2019-02': 2800, '2019-03': 900 });
    await runDailyRecognition(t.db, TODAY);
    const differences = compareBooks(s01.expected!, await scenarioActual(t.db, {}, at(TODAY)));
    expect(differences, formatDifferences(differences)).toEqual([]);
  });

  it('a posting and the daily run on the same invoice at the same time never count a day twice', async () => {
    t = await createTestDatabase();
    const db = t.db;
    // 90.00 over Jan 1 .. Apr 1 (100 a day), processed on Jan 1: nothing recognised yet.
    await createInProcessDriver(db, { now: at('2019-01-01') }).importEvents([create9000]);
    const [paid] = await appendEvents(db, [{ type: 'InvoicePaymentReceived', aggregateId: 'inv_1', occurredAt: '2019-01-05', data: { paymentId: 'pay', amount: 100 } }], { correlationId: 'c', actor: 't' });
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let jobLocked!: () => void;
    const locked = new Promise<void>((r) => (jobLocked = r));
    // The daily run holds the invoice's lines (batch not yet committed) ...
    const job = db.transaction().execute(async (tx) => {
      const batch = await recognizeDueLines(tx, { horizon: '2019-02-15', firstOpenDay: null, correlationId: 'job', limit: 10 });
      jobLocked();
      await held;
      return batch;
    });
    await locked;
    // ... while the payment is posted with a clock of Mar 1: it waits for the lines.
    const posting = db.transaction().execute((tx) => applyInvoiceEvent(tx, paid!.event, at('2019-03-01')));
    await new Promise((r) => setTimeout(r, 200));
    release();
    expect((await job).lines).toBe(1);
    await posting;
    const books = await scenarioActual(db, {}, at('2019-03-01'));
    // Jan 3100 + Feb 2800: each day once, although both recognised January and early February.
    expect(books.revenueByMonth.USD).toEqual({ '2019-01': 3100, '2019-02': 2800 });
    expect((await runDailyRecognition(db, '2019-03-01')).lines).toBe(0);
  });

  it('the pg-boss schedule runs the same recognition in the worker transaction', async () => {
    t = await createTestDatabase();
    const s03 = scenarios.find((s) => s.id.startsWith('S03'))!;
    await runScenario(s03, createInProcessDriver(t.db, { now: at('2019-01-15') }));
    const [daily] = revenueSchedules;
    expect(daily).toMatchObject({ name: 'revenue-daily-recognition', cron: '5 0 * * *', tz: 'UTC' });
    await t.db.transaction().execute((tx) => daily!.run({ db: tx, log: silentLogger, now: at(TODAY) }));
    const differences = compareBooks(s03.expected!, await scenarioActual(t.db, {}, at(TODAY)));
    expect(differences, formatDifferences(differences)).toEqual([]);
  });

  for (const scenario of scenarios) {
    it(`${scenario.id}: events processed on their own day, then daily runs, give the expected books`, async () => {
      t = await createTestDatabase();
      const first = (scenario.operations[0] as InvoiceOperation).occurredAt;
      // Each event on its own day (the clock never runs back; one dated ahead of the
      // clock would be refused), with daily runs in 9-day jumps in between (crossing
      // month ends at odd days), then on through the year and to today.
      let day = first;
      for (const op of scenario.operations as InvoiceOperation[]) {
        while (addDays(day, 9) < op.occurredAt) {
          day = addDays(day, 9);
          await runDailyRecognition(t.db, day, { batchSize: 1 });
        }
        if (op.occurredAt > day) day = op.occurredAt;
        const outcome = await runScenario({ ...scenario, operations: [op] }, createInProcessDriver(t.db, { now: at(day) }));
        expect(outcome.refused).toEqual([]);
      }
      for (let i = 0; i < 45; i++) {
        day = new Date(Date.parse(`${day}T00:00:00Z`) + 9 * 86_400_000).toISOString().slice(0, 10);
        await runDailyRecognition(t.db, day, { batchSize: 1 });
      }
      await runDailyRecognition(t.db, TODAY);
      const again = await runDailyRecognition(t.db, TODAY);
      expect(again.lines).toBe(0);
      const actual = await scenarioActual(t.db, {}, at(TODAY));
      const differences = compareBooks(scenario.expected!, actual);
      expect(differences, formatDifferences(differences)).toEqual([]);
    });
  }
});

describe('daily recognition of lines that start later', () => {
  let t: TestDatabase;
  afterEach(async () => {
    await t?.drop();
  });

  it('leaves a line alone until its service starts, then recognises from its start', async () => {
    t = await createTestDatabase();
    // Billed Dec 15 2019 for 2020 (36,600 over 366 days: 100 a day).
    await createInProcessDriver(t.db, { now: at('2019-12-15') }).importEvents([
      { eventId: 'e1', type: 'InvoiceCreated', occurredAt: '2019-12-15', invoiceId: 'inv_y', data: { customerId: 'c', currency: 'USD', lines: [{ lineId: 'l', kind: 'revenue', description: '', amount: 36600, servicePeriod: { start: '2020-01-01', end: '2021-01-01' } }] } },
    ]);
    expect((await runDailyRecognition(t.db, '2019-12-31')).lines).toBe(0);
    expect((await runDailyRecognition(t.db, '2020-03-01')).entries).toBe(2);
    const books = await scenarioActual(t.db, {}, at('2020-03-01'));
    expect(books.revenueByMonth.USD).toEqual({ '2019-12': 0, '2020-01': 3100, '2020-02': 2900 });
  });

  it('writes its RevenueRecognized events through the event contract: a payload it refuses writes nothing', async () => {
    t = await createTestDatabase();
    await createInProcessDriver(t.db, { now: at('2019-01-01') }).importEvents([create9000]);
    const before = await t.db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    // A line whose currency the contract refuses (lower case): the run must not publish it.
    await t.db.updateTable('revenue_lines').set({ currency: 'usd' }).where('invoice_id', '=', 'inv_1').execute();
    await expect(runDailyRecognition(t.db, '2019-02-01')).rejects.toMatchObject({ name: 'ValidationError', issues: [{ field: 'data.currency' }] });
    expect(await t.db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).toEqual(before);
    expect(await t.db.selectFrom('ledger_entries').select('entry_id').where('kind', '=', 'recognition').execute()).toEqual([]);

    await t.db.updateTable('revenue_lines').set({ currency: 'USD' }).where('invoice_id', '=', 'inv_1').execute();
    expect(await runDailyRecognition(t.db, '2019-02-01')).toMatchObject({ lines: 1, entries: 1 });
    const [recognized] = (await readStream(t.db, 'invoice', 'inv_1')).filter((e) => e.type === 'RevenueRecognized');
    expect(recognized).toMatchObject({ schemaVersion: 1, source: 'revenue', actor: 'revenue', correlationId: 'daily-recognition:2019-02-01', data: { amount: 3100, currency: 'USD', lineId: 'l1', postedOn: '2019-01-31' } });
  });
});
