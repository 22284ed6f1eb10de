import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerSubscriptions } from '../../src/bus/contract/subscriptions.ts';
import { connect, type Executor } from '../../src/db/connect.ts';
import { addedOutboxRows, OUTBOX_CHANNEL } from '../../src/db/wakeRelay.ts';
import { appendEvents } from '../../src/events/appendEvents.ts';
import { readStoredEvent } from '../../src/events/envelope.ts';
import { revenueSubscriber } from '../../src/subscribers/revenue/revenueSubscriber.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { ratableInvoiceCreated, revenueDeferredEvents } from '../helpers/busTestKit.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('addedOutboxRows: a statement reporting outbox_rows is taken at its word', () => {
  const insert = 'WITH ob AS (INSERT INTO outbox (position) SELECT 1 RETURNING position) SELECT count(*) AS outbox_rows FROM ob';
  it('reads the text when no count is reported, the count when it is', () => {
    expect(addedOutboxRows('SELECT 1', [{ outbox_rows: '5' }])).toBe(false);
    expect(addedOutboxRows(insert)).toBe(true);
    expect(addedOutboxRows(insert, [])).toBe(true);
    expect(addedOutboxRows(insert, [{ position: 1 }])).toBe(true);
    expect(addedOutboxRows('SELECT insert_invoice_with_event($1)', [{ insert_invoice_with_event: 1 }])).toBe(true);
    expect(addedOutboxRows(insert, [{ outbox_rows: '0' }])).toBe(false);
    expect(addedOutboxRows(insert, [{ outbox_rows: 0 }])).toBe(false);
    expect(addedOutboxRows(insert, [{ outbox_rows: '2' }])).toBe(true);
    expect(addedOutboxRows(insert, [{ outbox_rows: '0' }, { outbox_rows: '1' }])).toBe(true);
  });
});

/**
 * The revenue posting's events get outbox rows only while a subscription takes their
 * type, and the posting reports how many it added: a worker's posting that added none
 * sends no wake-up (it was one NOTIFY transaction and one relay claim per batch), one that
 * added some still does. Each write goes through a pool of its own, closed after it (its
 * wake-ups sent first), then a sentinel NOTIFY: notifications arrive in commit order, so
 * once the sentinel is heard every wake-up of the write has been. Costs: one test
 * database, two invoices posted.
 */
describe('the revenue posting wakes the relay only when its events got outbox rows', () => {
  let t: TestDatabase;
  let listener: pg.Client;
  let wakes = 0;
  let sentinels = 0;
  let heardSentinels = 0;
  beforeAll(async () => {
    t = await createTestDatabase();
    listener = new pg.Client({ connectionString: t.url });
    await listener.connect();
    listener.on('notification', (n) => {
      if (n.channel !== OUTBOX_CHANNEL) return;
      if (n.payload?.startsWith('sentinel')) heardSentinels++;
      else wakes++;
    });
    await listener.query(`LISTEN ${OUTBOX_CHANNEL}`);
  });
  afterAll(async () => {
    await listener?.end();
    await t?.drop();
  });

  /** The wake-ups `write` caused, through a pool of its own, all of them heard. */
  const wakesOf = async (write: (db: Executor) => Promise<unknown>) => {
    const before = wakes;
    const h = connect(t.url, { max: 1, applicationName: 'accrue-test-posting' });
    try {
      await write(h.db);
    } finally {
      await h.close();
    }
    const sentinel = ++sentinels;
    await t.pool.query(`NOTIFY ${OUTBOX_CHANNEL}, 'sentinel-${sentinel}'`);
    for (let i = 0; i < 1000 && heardSentinels < sentinel; i++) await sleep(10);
    expect(heardSentinels).toBe(sentinel);
    return wakes - before;
  };

  let n = 0;
  /** Appends an invoice (its own wake-up heard), then posts it as a worker does; the posting's wake-ups. */
  const postOne = async () => {
    let appended: Awaited<ReturnType<typeof appendEvents>> = [];
    expect(await wakesOf(async (db) => (appended = await appendEvents(db, [ratableInvoiceCreated(`inv_w${++n}`)], { correlationId: 'wake-posting', actor: 'test' })))).toBe(1);
    const event = readStoredEvent(appended[0]!.event);
    return wakesOf((db) => db.transaction().execute((tx) => revenueSubscriber.handleBatch!([event], { db: tx, log: silentLogger, now: new Date('2026-06-15T12:00:00Z') })));
  };
  it('no subscription takes the revenue events: none relayed, no wake-up', async () => {
    expect(await postOne()).toBe(0);
    expect(await revenueDeferredEvents(t.db)).toEqual({ all: 1, relayed: 0 });
  });

  it('a subscription takes them: relayed, and the relay is woken', async () => {
    await registerSubscriptions(t.db, [{ name: 'webhooks', eventTypes: ['RevenueDeferred'] }]);
    expect(await postOne()).toBe(1);
    expect(await revenueDeferredEvents(t.db)).toEqual({ all: 2, relayed: 1 });
  });
});
