import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEvents } from '../../../src/events/appendEvents.ts';
import { revenueSubscriber } from '../../../src/subscribers/revenue/index.ts';
import { dispatch } from '../../helpers/dispatch.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';

const run = promisify(execFile);

describe('accrue audit invoice (CLI, a child process)', () => {
  let t: TestDatabase;
  const accrue = (...args: string[]) =>
    run(process.execPath, ['bin/accrue.js', ...args], { env: { ...process.env, DATABASE_URL: t.url, LOG_LEVEL: 'warn' } });
  let createdId: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    // An imported invoice (source 'billing', its own event id) posted by the revenue subscriber.
    const [created, paid] = await appendEvents(
      t.db,
      [
        { type: 'InvoiceCreated', aggregateId: 'inv_cli', aggregateVersion: 1, occurredAt: '2026-03-01', source: 'billing', externalId: 'evt_1',
          data: { customerId: 'c', currency: 'EUR', lines: [{ lineId: 'l1', kind: 'revenue', amount: 12_000 }] } },
        { type: 'InvoicePaymentReceived', aggregateId: 'inv_cli', occurredAt: '2026-03-04', source: 'billing', externalId: 'evt_2',
          data: { paymentId: 'p1', amount: 12_000 } },
      ],
      { correlationId: 'import-7', actor: 'api-key:key_importer' },
    );
    createdId = created!.event.eventId;
    await dispatch(t.db, revenueSubscriber, created!.event);
    await dispatch(t.db, revenueSubscriber, paid!.event);
  });
  afterAll(async () => {
    await t.drop();
  });

  it('--json prints what getInvoiceAudit returns', async () => {
    const { stdout } = await accrue('audit', 'invoice', 'inv_cli', '--json');
    const audit = JSON.parse(stdout);
    expect(audit.invoiceId).toBe('inv_cli');
    expect(audit.chain.map((l: any) => [l.event.type, l.event.source, l.event.externalId, l.event.actor, l.event.correlationId])).toEqual([
      ['InvoiceCreated', 'billing', 'evt_1', 'api-key:key_importer', 'import-7'],
      ['InvoicePaymentReceived', 'billing', 'evt_2', 'api-key:key_importer', 'import-7'],
    ]);
    const issued = audit.chain[0];
    expect(issued.ledgerEntries.length).toBeGreaterThan(0);
    expect(issued.revenueEvents.length).toBeGreaterThan(0);
    for (const r of issued.revenueEvents) expect(r).toMatchObject({ causationId: createdId, correlationId: 'import-7', currency: 'EUR' });
    expect(audit.chain[1].ledgerEntries).toEqual([expect.objectContaining({ kind: 'payment_received', lines: { Cash: 12_000, AccountsReceivable: -12_000 } })]);
  });

  it('prints a readable timeline', async () => {
    const { stdout } = await accrue('audit', 'invoice', 'inv_cli');
    expect(stdout).toMatch(/^invoice inv_cli: 2 events, \d+ ledger entries, \d+ revenue events/);
    expect(stdout).toContain('2026-03-01  InvoiceCreated');
    expect(stdout).toMatch(/by api-key:key_importer via billing external id evt_1; correlation import-7/);
    expect(stdout).toMatch(/ledger #\d+ payment_received 2026-03-04 EUR: AccountsReceivable Cr 12000, Cash Dr 12000/);
  });

  it('an unknown invoice is a one-line error and exit code 1', async () => {
    const failed = await accrue('audit', 'invoice', 'inv_missing').then(
      () => null,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toBe('accrue: no events for invoice inv_missing\n');
  });
});
