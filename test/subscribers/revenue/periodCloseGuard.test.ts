import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { listArchive } from '../../../src/bus/archive/listArchive.ts';
import { RefuseEvent } from '../../../src/bus/contract/refuseEvent.ts';
import { appendEvents } from '../../../src/events/appendEvents.ts';
import { readStoredEvent } from '../../../src/events/envelope.ts';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { waitUntilDrained } from '../../../src/bus/operator/getStatus.ts';
import { startRelay, type RelayHandle } from '../../../src/bus/relay/startRelay.ts';
import { revenueSubscriber } from '../../../src/subscribers/revenue/revenueSubscriber.ts';
import { startWorker, type WorkerHandle } from '../../../src/bus/worker/startWorker.ts';
import { testSettings } from '../../helpers/busTestKit.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';

// The clock of these tests: January 20th, 2019. December 2018 has ended; January has not.
const JAN_20 = new Date('2019-01-20T12:00:00Z');

/**
 * A PeriodClosed that reaches the revenue subscriber by any path (written before the
 * API and import checked the month, or by other code) must not lock a month that has
 * not ended by the subscriber's clock. Costs: one database each; the second test runs
 * relay and worker (~3 s).
 */
describe('the revenue subscriber only closes months that have ended', () => {
  let t: TestDatabase | undefined;
  let relay: RelayHandle | undefined;
  let worker: WorkerHandle | undefined;
  afterEach(async () => {
    await relay?.stop();
    await worker?.stop();
    await t?.drop();
    relay = worker = t = undefined;
  });

  const appendClose = async (db: TestDatabase['db'], period: string) => {
    const [result] = await appendEvents(db, [{ type: 'PeriodClosed', aggregateId: period, occurredAt: '2019-01-20', data: { period } }], {
      correlationId: `close-${period}`,
      actor: 'legacy',
    });
    return result!.event;
  };
  const locks = async (db: TestDatabase['db']) =>
    (await sql<{ period: string }>`SELECT period FROM ledger_period_locks ORDER BY period`.execute(db)).rows.map((r) => r.period);

  it('refuses the current and a future month (RefuseEvent, nothing locked) and closes an ended one', async () => {
    t = await createTestDatabase();
    const db = t.db;
    const handle = (event: Awaited<ReturnType<typeof appendClose>>) =>
      db.transaction().execute((tx) => revenueSubscriber.handle(readStoredEvent(event), { db: tx, log: silentLogger, now: JAN_20 }));
    for (const period of ['2019-01', '2099-12']) {
      const refused = handle(await appendClose(db, period));
      await expect(refused).rejects.toBeInstanceOf(RefuseEvent);
      await expect(refused).rejects.toThrow(`period ${period} has not ended yet: only months before 2019-01 can be closed`);
    }
    expect(await locks(db)).toEqual([]);
    await handle(await appendClose(db, '2018-12'));
    expect(await locks(db)).toEqual(['2018-12']);
  });

  it('through relay and worker (clock injected): an unended close goes straight to the archive, poison, with its reason', async () => {
    t = await createTestDatabase();
    const settings = testSettings();
    relay = await startRelay({ url: t.url, subscribers: [revenueSubscriber], settings, log: silentLogger });
    worker = await startWorker({ url: t.url, subscribers: [revenueSubscriber], settings, log: silentLogger, now: () => JAN_20 });
    const ended = await appendClose(t.db, '2018-11');
    const unended = await appendClose(t.db, '2019-01');
    await waitUntilDrained(t.db, { timeoutMs: 30_000 });

    expect(await locks(t.db)).toEqual(['2018-11']);
    const archived = await listArchive(t.db, { subscriber: 'revenue' });
    expect(archived.items).toHaveLength(1);
    expect(archived.items[0]).toMatchObject({ eventId: unended.eventId, eventType: 'PeriodClosed', poison: true, attempts: 1 });
    expect(archived.items[0]!.errorMessage).toContain('PeriodClosed refused: period 2019-01 has not ended yet');
    const applied = await t.db.selectFrom('inbox').select('event_id').where('subscriber', '=', 'revenue').execute();
    expect(applied.map((r) => r.event_id)).toEqual([ended.eventId]);
  });
});
