import { sql } from 'kysely';
import type { PgBoss } from 'pg-boss';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendEvents, type NewEvent } from '../../../src/events/appendEvents.ts';
import { connect, type DbHandle } from '../../../src/db/connect.ts';
import { relayBatch } from '../../../src/bus/relay/relayBatch.ts';
import { relayApplier } from '../../../src/bus/worker/applyInRelay.ts';
import { registerSubscriptions } from '../../../src/bus/contract/subscriptions.ts';
import { revenueSubscriber } from '../../../src/subscribers/revenue/revenueSubscriber.ts';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { testSettings } from '../../helpers/busTestKit.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';

/**
 * A batch the relay applies itself posts revenue in its commit's round trip (a deferred
 * write); its relay loop looks again at once when that posting added outbox rows
 * (onWroteOutbox). The posting reports how many it added, so a posting whose revenue
 * events no subscription takes (nearly all) no longer costs the loop a claim more.
 * Both commit paths: alone, and with the next batch's claim in the same round trip.
 * Costs: one test database, four invoices posted in the relay.
 */
describe('the relay looks again after its own posting only when the posting added outbox rows', () => {
  let t: TestDatabase;
  let relay: DbHandle;
  const settings = testSettings({ relay: { applyMaxEvents: 16 } });
  const applier = relayApplier([revenueSubscriber], { settings, log: silentLogger })!;
  // Jobs for the subscribers not applied here (the webhooks subscription), by queue.
  let jobs: string[] = [];
  const boss = { insert: async (queue: string, rows: unknown[]) => void jobs.push(...rows.map(() => queue)) } as unknown as PgBoss;
  beforeEach(async () => {
    t = await createTestDatabase();
    await registerSubscriptions(t.db, [revenueSubscriber]);
    relay = connect(t.url, { max: 1, customPlans: true, applicationName: 'accrue-relay' });
    jobs = [];
  });
  afterEach(async () => {
    await relay.close();
    await t.drop();
  });

  let n = 0;
  const invoice = (): NewEvent => ({
    type: 'InvoiceCreated',
    aggregateId: `inv_rw${++n}`,
    aggregateVersion: 1,
    occurredAt: '2026-01-01',
    data: { customerId: 'cus_1', currency: 'USD', lines: [{ lineId: 'l1', kind: 'revenue', description: 'Plan', amount: 1200, servicePeriod: { start: '2026-01-01', end: '2027-01-01' } }] },
  });
  /** Appends one invoice and relays what the outbox holds (the invoice applied here); whether the batch asked its loop to look again, and how many events it moved. */
  const relayOne = async (withNextClaim: boolean) => {
    await appendEvents(t.db, [invoice()], { correlationId: 'relay-wake', actor: 'test' });
    let lookAgain = false;
    const result = await relayBatch(relay, boss, 10, { applier, onWroteOutbox: () => (lookAgain = true), claimNext: () => withNextClaim });
    if (result.next) {
      await result.next.client.query('ROLLBACK');
      result.next.client.release();
    }
    expect(result.next !== undefined).toBe(withNextClaim);
    return { lookAgain, moved: result.moved };
  };
  const revenueEvents = async () =>
    (await sql<{ all: number; relayed: number }>`
      SELECT count(*)::int AS all, count(o.position)::int AS relayed
      FROM events e LEFT JOIN outbox o USING (position) WHERE e.type = 'RevenueDeferred'`.execute(t.db)).rows[0]!;

  it('no subscription takes the revenue events: the loop waits for the next wake-up', async () => {
    expect(await relayOne(false)).toEqual({ lookAgain: false, moved: 1 });
    expect(await relayOne(true)).toEqual({ lookAgain: false, moved: 1 });
    expect(await revenueEvents()).toEqual({ all: 2, relayed: 0 });
    expect(jobs).toEqual([]);
  });

  it('a subscription takes them: the loop looks again at once', async () => {
    await registerSubscriptions(t.db, [{ name: 'webhooks', eventTypes: ['RevenueDeferred'] }]);
    expect(await relayOne(false)).toEqual({ lookAgain: true, moved: 1 });
    // The first posting's revenue event goes to the webhooks queue with the next invoice.
    expect(await relayOne(true)).toEqual({ lookAgain: true, moved: 2 });
    expect(jobs).toEqual(['webhooks']);
    expect(await revenueEvents()).toEqual({ all: 2, relayed: 1 });
  });
});
