import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerSubscriptions } from '../../../src/bus/contract/subscriptions.ts';
import type { Executor } from '../../../src/db/connect.ts';
import { appendEventSet, appendEvents, type NewEvent } from '../../../src/events/appendEvents.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';
import { waitFor } from '../../helpers/accrueProcess.ts';

/**
 * Revenue events (RELAYED_WHEN_SUBSCRIBED) get an outbox row only while a subscription
 * takes their type; every other type always gets one (insertEventsCtes in
 * src/events/appendEvents.ts). Registering the first subscription of such a type waits
 * for the appends that did not see it, and the appends that come meanwhile see it.
 */
const ctx = { correlationId: 'relay-when-subscribed', actor: 'test' };
let n = 0;
const recognized = (): NewEvent => ({
  type: 'RevenueRecognized',
  aggregateId: `inv_r${++n}`,
  occurredAt: '2026-03-01',
  data: { invoiceId: `inv_r${n}`, currency: 'USD', amount: 100, postedOn: '2026-03-01' },
});
const customer = (): NewEvent => ({ type: 'CustomerCreated', aggregateId: `cus_r${++n}`, occurredAt: '2026-03-01', data: { name: `Customer ${n}`, email: `c${n}@example.com` } });

const inOutbox = async (db: Executor, position: number) =>
  (await sql<{ n: number }>`SELECT count(*)::int AS n FROM outbox WHERE position = ${position}`.execute(db)).rows[0]!.n === 1;
const outboxOfType = async (db: Executor, type: string) =>
  (await sql<{ n: number }>`SELECT count(*)::int AS n FROM outbox o JOIN events e USING (position) WHERE e.type = ${type}`.execute(db)).rows[0]!.n;
const waitingOnSubscriptions = async (db: Executor) =>
  (await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_locks WHERE relation = 'subscriptions'::regclass AND NOT granted`.execute(db)).rows[0]!.n;

describe('outbox rows only for the revenue events a subscription takes', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase({ poolMax: 6 });
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('writes none for a revenue event no subscription takes, one for any other type, and one once a subscription takes the type', async () => {
    const [unsubscribed, other] = await appendEvents(t.db, [recognized(), customer()], ctx);
    expect(await inOutbox(t.db, unsubscribed!.event.position)).toBe(false);
    // Not taken either, but the API and imports may write before any process registered: kept.
    expect(await inOutbox(t.db, other!.event.position)).toBe(true);
    // The daily recognition run's append path follows the same rule.
    expect(await appendEventSet(t.db, [recognized()], ctx)).toBe(1);
    expect(await outboxOfType(t.db, 'RevenueRecognized')).toBe(0);

    await registerSubscriptions(t.db, [{ name: 'webhooks', eventTypes: ['RevenueRecognized'] }]);
    const [subscribed] = await appendEvents(t.db, [recognized()], ctx);
    expect(await inOutbox(t.db, subscribed!.event.position)).toBe(true);
    await appendEventSet(t.db, [recognized()], ctx);
    expect(await outboxOfType(t.db, 'RevenueRecognized')).toBe(2);
    // Another type of the same family is still not taken.
    const [deferred] = await appendEvents(t.db, [{ ...recognized(), type: 'RevenueDeferred' }], ctx);
    expect(await inOutbox(t.db, deferred!.event.position)).toBe(false);
  });

  it('a first subscription waits for the appends that did not see it; the appends that come meanwhile see it', async () => {
    const order: string[] = [];
    // An append that read `subscriptions` before the registration, still uncommitted.
    let commitEarly!: () => void;
    const early = t.db.transaction().execute(async (tx) => {
      const [r] = await appendEvents(tx, [{ ...recognized(), type: 'RevenueAdjusted' }], ctx);
      await new Promise<void>((resolve) => (commitEarly = resolve));
      order.push('early committed');
      return r!.event.position;
    });
    await waitFor('the early append', () => commitEarly !== undefined);

    const registered = registerSubscriptions(t.db, [{ name: 'webhooks', eventTypes: ['RevenueAdjusted'] }]).then(() => order.push('registered'));
    await waitFor('the registration to wait', async () => (await waitingOnSubscriptions(t.db)) === 1);
    // An append that starts while the registration waits queues behind it.
    const late = appendEvents(t.db, [{ ...recognized(), type: 'RevenueAdjusted' }], ctx).then(([r]) => {
      order.push('late appended');
      return r!.event.position;
    });
    await waitFor('the late append to wait', async () => (await waitingOnSubscriptions(t.db)) === 2);
    expect(order).toEqual([]);

    commitEarly();
    const [earlyPosition, latePosition] = await Promise.all([early, late, registered]);
    // (The registration's and the late append's answers may reach this process in either order.)
    expect(order[0]).toBe('early committed');
    expect(order.slice(1).sort()).toEqual(['late appended', 'registered']);
    // Written before the subscription existed: not relayed to it. Written after: relayed.
    expect(await inOutbox(t.db, earlyPosition)).toBe(false);
    expect(await inOutbox(t.db, latePosition)).toBe(true);
  });

  it('a type already taken is registered again without waiting for open appends', async () => {
    await t.db.transaction().execute(async (tx) => {
      await appendEvents(tx, [recognized()], ctx);
      // Another connection: would wait for this open transaction if it took the exclusive lock.
      await registerSubscriptions(t.db, [{ name: 'analytics', eventTypes: ['RevenueRecognized'] }]);
    });
    const rows = await t.db.selectFrom('subscriptions').select('subscriber').where('event_type', '=', 'RevenueRecognized').orderBy('subscriber').execute();
    expect(rows.map((r) => r.subscriber)).toEqual(['analytics', 'webhooks']);
  });
});
