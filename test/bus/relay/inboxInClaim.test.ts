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

async function one(t: TestDatabase, query: ReturnType<typeof sql<{ n: number }>>): Promise<number> {
  return (await query.execute(t.db)).rows[0]!.n;
}

const inboxRows = (t: TestDatabase, eventId: string) => one(t, sql<{ n: number }>`SELECT count(*)::int AS n FROM inbox WHERE subscriber = 'revenue' AND event_id = ${eventId}`);
const entriesOf = (t: TestDatabase, invoiceId: string) => one(t, sql<{ n: number }>`SELECT count(*)::int AS n FROM ledger_entries WHERE invoice_id = ${invoiceId}`);
const revenueJobs = (t: TestDatabase) => one(t, sql<{ n: number }>`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'revenue'`);
const appliedInRelay = (t: TestDatabase) => one(t, sql<{ n: number }>`SELECT coalesce(sum(events), 0)::int AS n FROM relay_direct_deliveries WHERE subscriber = 'revenue'`);

/** A transaction that runs `take` and holds what it took until the returned release() is called. */
async function holding(t: TestDatabase, take: string): Promise<{ release: () => Promise<void> }> {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let took!: () => void;
  const taken = new Promise<void>((r) => (took = r));
  const holder = t.db.transaction().execute(async (tx) => {
    await sql.raw(take).execute(tx);
    took();
    await released;
  });
  await taken;
  return {
    async release() {
      release();
      await holder;
    },
  };
}

describe("the relay's claim statement claims the inbox of what it applies, with the subscriber's locks (inboxInClaim)", () => {
  let t: TestDatabase;
  let relay: RelayHandle | undefined;
  let worker: WorkerHandle | undefined;
  const settings: BusSettings = testSettings({ relay: { applyMaxEvents: 16 } });
  const startRelayApplying = async () => {
    relay = await startRelay({ url: t.url, subscribers: [revenueSubscriber], settings, log: silentLogger, applier: relayApplier([revenueSubscriber], { settings, log: silentLogger }) });
  };
  beforeEach(async () => {
    t = await createTestDatabase();
  });
  afterEach(async () => {
    await relay?.stop();
    await worker?.stop();
    relay = worker = undefined;
    await t.drop();
  });

  it('inserts the inbox row in the statement that claims the outbox row, and posts the event once', async () => {
    // Which statement inserted each inbox row.
    await sql`CREATE TABLE inbox_probe (query text NOT NULL)`.execute(t.owner);
    await sql`CREATE FUNCTION inbox_probe() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$ BEGIN INSERT INTO inbox_probe VALUES (current_query()); RETURN NULL; END $$`.execute(t.owner);
    await sql`CREATE TRIGGER inbox_probe AFTER INSERT ON inbox FOR EACH ROW EXECUTE FUNCTION inbox_probe()`.execute(t.owner);
    await startRelayApplying();
    const [r] = await appendEvents(t.db, [invoiceCreated(1)], { correlationId: 'probe', actor: 'test' });
    await waitFor(async () => (await inboxRows(t, r!.event.eventId)) === 1);
    const { rows } = await sql<{ query: string }>`SELECT query FROM inbox_probe`.execute(t.owner);
    expect(rows).toHaveLength(1);
    // The claim's round trip (its statement is prepared per session: EXECUTE).
    expect(rows[0]!.query).toMatch(/EXECUTE accrue_relay_claim_\d+\(/);
    expect(await entriesOf(t, 'inv_1')).toBeGreaterThan(0);
    expect(await revenueJobs(t)).toBe(0);
    expect(await appliedInRelay(t)).toBe(1);
  });

  it('changes nothing for an event whose inbox row exists (a second delivery) and posts the others of the batch', async () => {
    const [done, fresh] = await appendEvents(t.db, [invoiceCreated(1), invoiceCreated(2)], { correlationId: 'again', actor: 'test' });
    // As if inv_1's event had been applied before (its inbox row committed, its outbox row not yet gone).
    await sql`INSERT INTO inbox (subscriber, event_id) VALUES ('revenue', ${done!.event.eventId})`.execute(t.db);
    await startRelayApplying();
    await waitFor(async () => (await inboxRows(t, fresh!.event.eventId)) === 1);
    expect(await entriesOf(t, 'inv_2')).toBeGreaterThan(0);
    expect(await entriesOf(t, 'inv_1')).toBe(0);
    expect(await inboxRows(t, done!.event.eventId)).toBe(1);
    expect(await revenueJobs(t)).toBe(0);
  });

  it("waits for the rebuild's exclusive inbox lock at most lock_timeout, then hands the batch to jobs, which post it once", async () => {
    await startRelayApplying();
    // What rebuildSubscriber holds while it resets the subscriber.
    const rebuild = await holding(t, `SELECT pg_advisory_xact_lock(hashtext('accrue.inbox:revenue'))`);
    const [r] = await appendEvents(t.db, [invoiceCreated(3)], { correlationId: 'rebuild', actor: 'test' });
    await waitFor(async () => (await revenueJobs(t)) === 1);
    expect(await inboxRows(t, r!.event.eventId)).toBe(0);
    expect(await appliedInRelay(t)).toBe(0);
    await rebuild.release();
    worker = await startWorker({ url: t.url, subscribers: [revenueSubscriber], settings, log: silentLogger });
    await waitFor(async () => (await inboxRows(t, r!.event.eventId)) === 1);
    expect(await entriesOf(t, 'inv_3')).toBeGreaterThan(0);
  });

  it("takes the invoice's line rows with the claim: a transaction holding them sends the batch to jobs after lock_timeout", async () => {
    await startRelayApplying();
    const [created] = await appendEvents(t.db, [invoiceCreated(4)], { correlationId: 'lines', actor: 'test' });
    await waitFor(async () => (await inboxRows(t, created!.event.eventId)) === 1);
    expect(await one(t, sql<{ n: number }>`SELECT count(*)::int AS n FROM revenue_lines WHERE invoice_id = 'inv_4'`)).toBeGreaterThan(0);
    // A lock that conflicts with the claim's FOR UPDATE of the lines (which orders the
    // posting after the daily run's recognition) and with nothing else the posting does.
    const daily = await holding(t, `SELECT 1 FROM revenue_lines WHERE invoice_id = 'inv_4' FOR KEY SHARE`);
    const [voided] = await appendEvents(t.db, [{ type: 'InvoiceVoided', aggregateId: 'inv_4', aggregateVersion: 2, occurredAt: '2026-01-02', data: { reason: 'test' } }], { correlationId: 'lines', actor: 'test' });
    await waitFor(async () => (await revenueJobs(t)) === 1);
    expect(await inboxRows(t, voided!.event.eventId)).toBe(0);
    await daily.release();
    worker = await startWorker({ url: t.url, subscribers: [revenueSubscriber], settings, log: silentLogger });
    await waitFor(async () => (await inboxRows(t, voided!.event.eventId)) === 1);
    expect(await appliedInRelay(t)).toBe(1);
  });
});
