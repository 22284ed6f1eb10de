import { describe, expect, it } from 'vitest';
import { appendEvents } from '../../../src/events/appendEvents.ts';
import { relayBatch } from '../../../src/bus/relay/relayBatch.ts';
import { registerSubscriptions } from '../../../src/bus/contract/subscriptions.ts';
import { ratableInvoiceCreated, revenueDeferredEvents } from '../../helpers/busTestKit.ts';
import { revenueRelaySession } from '../../helpers/revenueRelaySession.ts';

/**
 * A batch the relay applies itself posts revenue in its commit's round trip (a deferred
 * write); its relay loop looks again at once when that posting added outbox rows
 * (onWroteOutbox). The posting reports how many it added, so a posting whose revenue
 * events no subscription takes (nearly all) no longer costs the loop a claim more.
 * Both commit paths: alone, and with the next batch's claim in the same round trip.
 * Costs: a test database and a pg-boss per test, four invoices posted in the relay.
 */
describe('the relay looks again after its own posting only when the posting added outbox rows', () => {
  // Jobs for the subscribers not applied here (the webhooks subscription), by queue: session.jobs().
  const session = revenueRelaySession();
  let n = 0;
  /** Appends one invoice and relays what the outbox holds (the invoice applied here); whether the batch asked its loop to look again, and how many events it moved. */
  const relayOne = async (withNextClaim: boolean) => {
    await appendEvents(session.t.db, [ratableInvoiceCreated(`inv_rw${++n}`)], { correlationId: 'relay-wake', actor: 'test' });
    let lookAgain = false;
    const result = await relayBatch(session.relay, session.boss, 10, { applier: session.applier, onWroteOutbox: () => (lookAgain = true), claimNext: () => withNextClaim });
    if (result.next) {
      await result.next.client.query('ROLLBACK');
      result.next.client.release();
    }
    expect(result.next !== undefined).toBe(withNextClaim);
    return { lookAgain, moved: result.moved };
  };

  it('no subscription takes the revenue events: the loop waits for the next wake-up', async () => {
    expect(await relayOne(false)).toEqual({ lookAgain: false, moved: 1 });
    expect(await relayOne(true)).toEqual({ lookAgain: false, moved: 1 });
    expect(await revenueDeferredEvents(session.t.db)).toEqual({ all: 2, relayed: 0 });
    expect(await session.jobs()).toEqual([]);
  });

  it('a subscription takes them: the loop looks again at once', async () => {
    await registerSubscriptions(session.t.db, [{ name: 'webhooks', eventTypes: ['RevenueDeferred'] }]);
    expect(await relayOne(false)).toEqual({ lookAgain: true, moved: 1 });
    // The first posting's revenue event goes to the webhooks queue with the next invoice.
    expect(await relayOne(true)).toEqual({ lookAgain: true, moved: 2 });
    expect(await session.jobs()).toEqual(['webhooks']);
    expect(await revenueDeferredEvents(session.t.db)).toEqual({ all: 2, relayed: 1 });
  });
});
