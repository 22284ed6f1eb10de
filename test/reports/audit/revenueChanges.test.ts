import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getInvoiceAudit } from '../../../src/reports/audit/getInvoiceAudit.ts';
import { formatInvoiceAudit } from '../../../src/reports/audit/formatInvoiceAudit.ts';
import { appendEvents } from '../../../src/events/appendEvents.ts';
import { revenueSubscriber, runDailyRecognition } from '../../../src/subscribers/revenue/index.ts';
import { dispatch } from '../../helpers/dispatch.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';

type Change = {
  entry_id: number;
  kind: string;
  revenue_change: number;
  cause: string;
  cause_event_id: string | null;
  cause_type: string | null;
  cause_actor: string | null;
  cause_actor_name: string | null;
  cause_correlation_id: string | null;
  revenue_event_type: string | null;
};

// 6,100 EUR cents over 61 service days (March and April) = 100 a day.
describe('every change to revenue in a period, with its cause', () => {
  let t: TestDatabase;
  let createdId: string;
  let closeId: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    await t.db.insertInto('api_keys').values({ id: 'key_fin', name: 'finance team', token_hash: 'not-a-token', scopes: ['admin'] }).execute();
    const [created] = await appendEvents(
      t.db,
      [{ type: 'InvoiceCreated', aggregateId: 'inv_sub', aggregateVersion: 1, occurredAt: '2026-03-01',
        data: { customerId: 'c', currency: 'EUR', lines: [{ lineId: 'l1', kind: 'revenue', amount: 6_100, servicePeriod: { start: '2026-03-01', end: '2026-05-01' } }] } }],
      { correlationId: 'req-1', actor: 'api-key:key_fin' },
    );
    createdId = created!.event.eventId;
    await dispatch(t.db, revenueSubscriber, created!.event, new Date('2026-03-01T09:00:00Z'));
    await runDailyRecognition(t.db, '2026-03-16'); // service days 1-15 March
    const [close] = await appendEvents(t.db, [{ type: 'PeriodClosed', aggregateId: '2026-03', occurredAt: '2026-04-02', data: { period: '2026-03' } }], {
      correlationId: 'close-march',
      actor: 'api-key:key_fin',
    });
    closeId = close!.event.eventId;
    await dispatch(t.db, revenueSubscriber, close!.event, new Date('2026-04-02T09:00:00Z')); // recognises 16-31 March, then locks
  });
  afterAll(async () => {
    await t.drop();
  });

  it('names the run or the event behind each revenue entry of the month', async () => {
    const { rows } = await sql<Change>`
      SELECT entry_id, kind, revenue_change, cause, cause_event_id, cause_type, cause_actor, cause_actor_name,
             cause_correlation_id, revenue_event_type
      FROM audit_revenue_changes WHERE currency = 'EUR' AND period = '2026-03' ORDER BY entry_id`.execute(t.db);
    expect(rows.map(({ entry_id: _e, ...r }) => r)).toEqual([
      { kind: 'recognition', revenue_change: 1_500, cause: 'daily_recognition', cause_event_id: null, cause_type: null, cause_actor: 'revenue',
        cause_actor_name: null, cause_correlation_id: 'daily-recognition:2026-03-16', revenue_event_type: 'RevenueRecognized' },
      { kind: 'recognition', revenue_change: 1_600, cause: 'period_close', cause_event_id: closeId, cause_type: 'PeriodClosed', cause_actor: 'api-key:key_fin',
        cause_actor_name: 'finance team', cause_correlation_id: 'close-march', revenue_event_type: 'RevenueRecognized' },
    ]);
    // Nothing else touched revenue that month: the view and the ledger agree.
    const ledger = await sql<{ s: number }>`SELECT (-sum(revenue))::int AS s FROM ledger_entries WHERE currency = 'EUR' AND period = '2026-03'`.execute(t.db);
    expect(ledger.rows[0]!.s).toBe(3_100);
  });

  it('puts the run entries apart in the invoice audit, each with its revenue event', async () => {
    const audit = await getInvoiceAudit(t.db, 'inv_sub');
    expect(audit.chain).toHaveLength(1);
    expect(audit.chain[0]!.event).toMatchObject({ eventId: createdId, actor: 'api-key:key_fin', actorName: 'finance team', correlationId: 'req-1' });
    expect(audit.otherLedgerEntries.map((o) => [o.entry.note, o.entry.lines, o.revenueEvents.map((r) => [r.type, r.amount, r.causationId])])).toEqual([
      ['daily-recognition:2026-03-16', { DeferredRevenue: 1_500, Revenue: -1_500 }, [['RevenueRecognized', 1_500, null]]],
      ['period-close:2026-03', { DeferredRevenue: 1_600, Revenue: -1_600 }, [['RevenueRecognized', 1_600, null]]],
    ]);
    expect(formatInvoiceAudit(audit)).toMatch(
      /ledger entries not caused by an event \(recognition runs\):\n {2}ledger #\d+ recognition 2026-03-15 EUR: DeferredRevenue Dr 1500, Revenue Cr 1500 \[daily-recognition:2026-03-16\]\n {4}RevenueRecognized 1500 EUR/,
    );
  });
});
