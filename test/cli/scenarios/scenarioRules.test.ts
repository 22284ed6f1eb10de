import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { formatDifferences } from '../../../src/cli/scenarios/compareBooks.ts';
import { createInProcessDriver } from '../../../src/cli/scenarios/inProcessDriver.ts';
import { runScenario } from '../../../src/cli/scenarios/runScenario.ts';
import { readScenario, type Scenario } from '../../../src/cli/scenarios/scenarioFile.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';

// Issue 16 through the scenario runner's in-process driver (the code behind POST
// /v1/events and the revenue subscriber, no HTTP): the same refusals as the HTTP
// import, reported as a failed scenario naming the operation; the book-level rules on
// worked fixtures. The pipeline driver runs the same fixtures (last test).
const ROOT = path.resolve(import.meta.dirname, '../../..');
const FIXTURES = path.join(ROOT, 'test/fixtures/scenarios');
const NOW = new Date('2026-11-26T12:00:00Z');

const lines = (amount: number) => [{ lineId: 'li_1', kind: 'revenue', description: 'Plan', amount }];
const created = (eventId: string, amount = 10000, occurredAt = '2019-02-01') => ({
  eventId, type: 'InvoiceCreated', occurredAt, invoiceId: 'inv', version: 1, data: { customerId: 'cus', currency: 'USD', lines: lines(amount) },
});
const updated = (eventId: string, version: number | undefined, amount: number, occurredAt = '2019-02-02') => ({
  eventId, type: 'InvoiceUpdated', occurredAt, invoiceId: 'inv', ...(version === undefined ? {} : { version }), data: { currency: 'USD', lines: lines(amount) },
});
const paid = (eventId: string, paymentId: string, amount: number, type = 'InvoicePaid', occurredAt = '2019-02-03') => ({
  eventId, type, occurredAt, invoiceId: 'inv', data: { paymentId, amount },
});
const scenario = (operations: unknown[]): Scenario => ({ id: 'probe', file: 'probe.json', operations: operations as Scenario['operations'] });

let t: TestDatabase | undefined;
afterEach(async () => {
  await t?.drop();
  t = undefined;
});

async function run(operations: unknown[], now = NOW) {
  t = await createTestDatabase();
  return runScenario(scenario(operations), createInProcessDriver(t.db, { now }));
}

const storedIds = async () => (await t!.db.selectFrom('events').select('external_id').where('source', '=', 'import').execute()).map((r) => r.external_id).sort();

describe('in-process driver: conflicts are refused where they enter, nothing written, the run goes on', () => {
  it('a version reused with other content is refused (409); the books are those of the first', async () => {
    const outcome = await run([created('c'), updated('u2', 2, 6000), updated('u2b', 2, 9000), paid('p', 'pay', 6000)]);
    expect(outcome.refused).toEqual([{ eventId: 'u2b', type: 'InvoiceUpdated', status: 409, detail: expect.stringContaining('version 2 is already taken by eventId u2') }]);
    expect(await storedIds()).toEqual(['c', 'p', 'u2']);
    expect(outcome.actual.invoiceState['inv']).toMatchObject({ version: 2, total: 6000, status: 'paid', amountDue: 0 });
  });

  it('a paymentId with another amount is refused (409); InvoicePaid repeating paymentId and amount is the same payment', async () => {
    const outcome = await run([created('c'), paid('r', 'pay_1', 4000, 'InvoicePaymentReceived'), paid('settle', 'pay_1', 4000), paid('wrong', 'pay_1', 10000)]);
    expect(outcome.refused).toEqual([{ eventId: 'wrong', type: 'InvoicePaid', status: 409, detail: expect.stringContaining('paymentId pay_1 was already received with amount 4000') }]);
    expect(outcome.actual.closingBalances['USD']!['2019-02']).toMatchObject({ Cash: 4000, AccountsReceivable: 6000 });
    expect(outcome.actual.invoiceState['inv']).toMatchObject({ amountPaid: 4000, amountDue: 6000 });
  });

  it('a second InvoiceCreated under another eventId is refused (409), even dated earlier', async () => {
    const outcome = await run([created('c'), created('c-again', 500, '2019-01-15')]);
    expect(outcome.refused).toEqual([{ eventId: 'c-again', type: 'InvoiceCreated', status: 409, detail: expect.stringContaining('already exists under eventId c') }]);
    expect(outcome.actual.invoiceState['inv']).toMatchObject({ total: 10000 });
    expect(outcome.actual.months).toEqual(['2019-02']);
  });

  it('InvoiceUpdated without a version is refused (400 naming version), not dropped', async () => {
    const outcome = await run([created('c'), updated('u-nv', undefined, 6000)]);
    expect(outcome.refused).toEqual([{ eventId: 'u-nv', type: 'InvoiceUpdated', status: 400, detail: expect.stringContaining('version: required for InvoiceUpdated') }]);
    expect(await storedIds()).toEqual(['c']);
  });
});

describe('in-process driver: the clock', () => {
  const yearly = { ...created('y', 36500, '2019-01-01'), data: { customerId: 'cus', currency: 'USD', lines: [{ lineId: 'li_1', kind: 'revenue', description: 'Year', amount: 36500, servicePeriod: { start: '2019-01-01', end: '2020-01-01' } }] } };
  const today = new Date('2019-01-16T12:00:00Z');

  it('an event dated more than a day ahead is refused (422); one dated tomorrow does not recognise today; amountDue is the open AR', async () => {
    const outcome = await run([yearly, paid('ahead', 'pay_1', 36500, 'InvoicePaid', '2019-01-31'), paid('tomorrow', 'pay_2', 10000, 'InvoicePaid', '2019-01-17')], today);
    expect(outcome.refused).toEqual([{ eventId: 'ahead', type: 'InvoicePaid', status: 422, detail: expect.stringContaining('occurredAt: 2019-01-31 is more than one day after today (2019-01-16 UTC)') }]);
    // 15 days have passed (Jan 1..15), 100 a day.
    expect(outcome.actual.revenueByMonth).toEqual({ USD: { '2019-01': 1500 } });
    const ar = outcome.actual.closingBalances['USD']!['2019-01']!.AccountsReceivable;
    expect(ar).toBe(26500);
    expect(outcome.actual.invoiceState['inv']).toMatchObject({ status: 'open', amountDue: ar });
  });
});

describe('book-level rules on worked fixtures (in-process)', () => {
  for (const name of ['T02-price-cut-below-payment.json', 'T03-same-day-order.json']) {
    it(`${name} matches its expected books, in file order and reversed`, async () => {
      const s = await readScenario(path.join(FIXTURES, name));
      for (const operations of [s.operations, [...s.operations].reverse()]) {
        t = await createTestDatabase();
        const outcome = await runScenario({ ...s, operations }, createInProcessDriver(t.db, { now: NOW }));
        expect(outcome.refused).toEqual([]);
        expect(outcome.differences, formatDifferences(outcome.differences ?? [])).toEqual([]);
        await t.drop();
        t = undefined;
      }
    });
  }
});

describe('`accrue scenarios run`', () => {
  const env = () => ({ ...process.env, DATABASE_URL: inject('adminUrl'), LOG_LEVEL: 'silent' });
  const node = path.join(ROOT, 'node_modules/.bin/node');

  it('reports a refused operation as a failed scenario naming it and exits 1 (in-process)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'accrue-scn-'));
    const file = path.join(dir, 'refused.json');
    await writeFile(file, JSON.stringify({ id: 'refused-probe', operations: [created('c'), updated('u-nv', undefined, 6000)] }));
    const failed = await promisify(execFile)(node, ['bin/accrue.js', 'scenarios', 'run', file, '--in-process', '--today', '2026-11-26'], { cwd: ROOT, env: env() }).catch((e: { code: number; stdout: string }) => e);
    expect((failed as { code: number }).code).toBe(1);
    expect((failed as { stdout: string }).stdout).toContain('REFUSED refused-probe (1 operations refused)\n  operation u-nv (InvoiceUpdated) refused 400:');
    expect((failed as { stdout: string }).stdout).toContain('0/1 scenarios match');
  }, 120_000);

  it('the pipeline driver gives the books of the price-cut and same-day fixtures, and refuses what the import refuses', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'accrue-scn-'));
    await writeFile(path.join(dir, 'refused.json'), JSON.stringify({ id: 'refused-probe', operations: [created('c'), paid('r', 'pay_1', 4000, 'InvoicePaymentReceived'), paid('wrong', 'pay_1', 10000)] }));
    const args = ['bin/accrue.js', 'scenarios', 'run', '--json'];
    const ok = await promisify(execFile)(node, [...args.slice(0, 3), path.join(FIXTURES, 'T02-price-cut-below-payment.json'), '--json'], { cwd: ROOT, env: env(), timeout: 180_000 });
    const same = await promisify(execFile)(node, [...args.slice(0, 3), path.join(FIXTURES, 'T03-same-day-order.json'), '--json'], { cwd: ROOT, env: env(), timeout: 180_000 });
    for (const out of [ok.stdout, same.stdout]) {
      const [o] = JSON.parse(out) as { id: string; matches: boolean; differences: unknown[] }[];
      expect({ id: o!.id, differences: o!.differences }).toEqual({ id: o!.id, differences: [] });
      expect(o!.matches).toBe(true);
    }
    const failed = await promisify(execFile)(node, [...args.slice(0, 3), path.join(dir, 'refused.json'), '--json'], { cwd: ROOT, env: env(), timeout: 180_000 }).catch((e: { code: number; stdout: string }) => e);
    expect((failed as { code: number }).code).toBe(1);
    const [o] = JSON.parse((failed as { stdout: string }).stdout) as { refused: unknown[]; actual: { invoiceState: Record<string, unknown> } }[];
    expect(o!.refused).toEqual([{ eventId: 'wrong', type: 'InvoicePaid', status: 409, detail: expect.stringContaining('paymentId pay_1 was already received with amount 4000') }]);
    expect(o!.actual.invoiceState['inv']).toMatchObject({ amountPaid: 4000, amountDue: 6000 });
  }, 400_000);
});
