import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendEvents } from '../../../src/events/appendEvents.ts';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { startRelay, type RelayHandle } from '../../../src/bus/relay/startRelay.ts';
import { startWorker, type WorkerHandle } from '../../../src/bus/worker/startWorker.ts';
import { relayApplier } from '../../../src/bus/worker/applyInRelay.ts';
import { revenueSubscriber } from '../../../src/subscribers/revenue/revenueSubscriber.ts';
import type { BusSettings } from '../../../src/bus/queues/busSettings.ts';
import { invoiceCreated, testSettings } from '../../helpers/busTestKit.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';

async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function count(t: TestDatabase, query: ReturnType<typeof sql<{ n: number }>>): Promise<number> {
  return (await query.execute(t.db)).rows[0]!.n;
}

const inboxRows = (t: TestDatabase, eventId: string) => count(t, sql<{ n: number }>`SELECT count(*)::int AS n FROM inbox WHERE subscriber = 'revenue' AND event_id = ${eventId}`);
const entriesOf = (t: TestDatabase, invoiceId: string) => count(t, sql<{ n: number }>`SELECT count(*)::int AS n FROM ledger_entries WHERE invoice_id = ${invoiceId}`);
const revenueJobs = (t: TestDatabase) => count(t, sql<{ n: number }>`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'revenue'`);

describe("the revenue posting sent in the relay's commit round trip (deferredWrites)", () => {
  let t: TestDatabase;
  let relay: RelayHandle | undefined;
  let worker: WorkerHandle | undefined;
  const settings: BusSettings = testSettings({ relay: { applyMaxEvents: 16 } });
  beforeEach(async () => {
    t = await createTestDatabase();
    // Which statement inserted each ledger entry; and a switch that makes the insert fail.
    await sql`CREATE TABLE entry_probe (query text NOT NULL)`.execute(t.owner);
    await sql`CREATE TABLE test_fail (target text PRIMARY KEY)`.execute(t.owner);
    await sql`CREATE FUNCTION entry_probe() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM test_fail) THEN RAISE EXCEPTION 'test: ledger entry refused'; END IF;
        INSERT INTO entry_probe VALUES (current_query());
        RETURN NULL;
      END $$`.execute(t.owner);
    await sql`CREATE TRIGGER entry_probe AFTER INSERT ON ledger_entries FOR EACH ROW EXECUTE FUNCTION entry_probe()`.execute(t.owner);
    relay = await startRelay({ url: t.url, subscribers: [revenueSubscriber], settings, log: silentLogger, applier: relayApplier([revenueSubscriber], { settings, log: silentLogger }) });
  });
  afterEach(async () => {
    await relay?.stop();
    await worker?.stop();
    relay = worker = undefined;
    await t.drop();
  });

  it('writes the entries in the message that commits them', async () => {
    for (const i of [1, 2]) {
      const [r] = await appendEvents(t.db, [invoiceCreated(i)], { correlationId: `deferred${i}`, actor: 'test' });
      await waitFor(async () => (await inboxRows(t, r!.event.eventId)) === 1);
      expect(await entriesOf(t, `inv_${i}`)).toBeGreaterThan(0);
    }
    const { rows } = await sql<{ query: string }>`SELECT DISTINCT query FROM entry_probe`.execute(t.owner);
    expect(rows).toHaveLength(2);
    for (const { query } of rows) expect(query).toMatch(/^\s*SET LOCAL plan_cache_mode = force_generic_plan;\s*EXECUTE accrue_deferred_\d+\(.*COMMIT/s);
    expect(await revenueJobs(t)).toBe(0);
  });

  it('hands the batch to jobs when the deferred write fails at commit: nothing of it commits, and a worker posts it once', async () => {
    await sql`INSERT INTO test_fail VALUES ('ledger_entries')`.execute(t.owner);
    const [r] = await appendEvents(t.db, [invoiceCreated(3)], { correlationId: 'refused', actor: 'test' });
    await waitFor(async () => (await revenueJobs(t)) === 1);
    expect(await inboxRows(t, r!.event.eventId)).toBe(0);
    expect(await count(t, sql<{ n: number }>`SELECT count(*)::int AS n FROM revenue_invoices WHERE invoice_id = 'inv_3'`)).toBe(0);
    await sql`DELETE FROM test_fail`.execute(t.owner);
    worker = await startWorker({ url: t.url, subscribers: [revenueSubscriber], settings, log: silentLogger });
    await waitFor(async () => (await inboxRows(t, r!.event.eventId)) === 1);
    expect(await entriesOf(t, 'inv_3')).toBeGreaterThan(0);
    // The relay's next batch still applies in the relay, on a new session.
    const [after] = await appendEvents(t.db, [invoiceCreated(4)], { correlationId: 'after', actor: 'test' });
    await waitFor(async () => (await inboxRows(t, after!.event.eventId)) === 1);
    expect(await revenueJobs(t)).toBe(1);
  });
});
