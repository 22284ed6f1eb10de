import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyticsSubscriber } from '../../src/subscribers/analytics/updateInvoiceAnalytics.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase.ts';
import { dispatch } from '../helpers/dispatch.ts';
import { appendTestEvents } from '../helpers/appendTestEvent.ts';

const run = promisify(execFile);

describe('accrue analytics / detect-overdue (CLI, a child process)', () => {
  let t: TestDatabase;
  const accrue = (...args: string[]) =>
    run(process.execPath, ['src/cli/main.ts', ...args], { env: { ...process.env, DATABASE_URL: t.url, LOG_LEVEL: 'warn' } });
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.drop();
  });

  it('prints the aggregates and aging as JSON, as of a day', async () => {
    const events = await appendTestEvents(t.db, [
      { type: 'InvoiceCreated', aggregateId: 'inv_cli', aggregateVersion: 1, occurredAt: '2026-05-02',
        data: { customerId: 'c', currency: 'JPY', dueDate: '2026-05-12', lines: [{ lineId: 'l', kind: 'revenue', amount: 7_000 }] } },
      { type: 'InvoicePaymentReceived', aggregateId: 'inv_cli', occurredAt: '2026-05-20', data: { paymentId: 'p', amount: 2_000 } },
    ]);
    for (const e of events) await dispatch(t.db, analyticsSubscriber, e);
    const { stdout } = await accrue('analytics', '--as-of', '2026-05-31', '--json');
    expect(JSON.parse(stdout)).toEqual({
      asOf: '2026-05-31',
      monthly: [{ currency: 'JPY', month: '2026-05', invoiced: 7_000, collected: 2_000, outstanding: 5_000, overdue: 5_000 }],
      aging: [{ currency: 'JPY', current: 0, days1To30: 5_000, days31To60: 0, days61To90: 0, over90: 0, total: 5_000 }],
    });
  });

  it('runs one overdue detection tick by hand', async () => {
    await t.db.insertInto('customers').values({ id: 'c', name: 'C', email: 'c@example.com' }).execute();
    await t.db
      .insertInto('invoices')
      .values({ id: 'inv_cli2', customer_id: 'c', currency: 'USD', status: 'open', issued_at: '2026-05-01', due_date: '2026-05-10',
        lines: JSON.stringify([]), total: 100, tax: 0 })
      .execute();
    const first = await accrue('detect-overdue', '--today', '2026-06-01');
    const second = await accrue('detect-overdue', '--today', '2026-06-02');
    expect(JSON.parse(first.stdout)).toMatchObject({ today: '2026-06-01', detected: 1 });
    expect(JSON.parse(second.stdout)).toMatchObject({ detected: 0 });
  });
});
