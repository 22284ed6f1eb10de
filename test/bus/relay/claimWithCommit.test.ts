import pg from 'pg';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { startRelay, type RelayHandle } from '../../../src/bus/relay/startRelay.ts';
import { relayApplier } from '../../../src/bus/worker/applyInRelay.ts';
import { registry } from '../../../src/telemetry/metrics.ts';
import { appendInvoices, createEffectsTable, effectCounts, recordingSubscriber, testSettings } from '../../helpers/busTestKit.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';
import { waitFor } from '../../helpers/accrueProcess.ts';

// The relay claims its next batch in the round trip of a batch's commit when there is
// more to move (src/bus/relay/relayBatch.ts, claimNext). Full batches (batchSize 2,
// three events committed before the relay starts) make that happen without timing:
// the first batch is full, so the third event is claimed with its commit.

async function appliedCounter(subscriber: string): Promise<number> {
  const metric = await registry.getSingleMetric('accrue_relay_applied_events_total')?.get();
  return metric?.values.find((v) => v.labels.subscriber === subscriber)?.value ?? 0;
}

async function inRelayDeliveries(t: TestDatabase, subscriber: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT coalesce(sum(events), 0)::int AS n FROM relay_direct_deliveries WHERE subscriber = ${subscriber}`.execute(t.db);
  return rows[0]!.n;
}

/** A trigger on `table` (made by the tables' owner) that raises while test_fail holds a row for `table`, for rows `when` matches. */
async function failWhileFlagged(t: TestDatabase, table: 'outbox' | 'relay_direct_deliveries', timing: 'BEFORE DELETE' | 'BEFORE INSERT', when: string) {
  await sql`CREATE TABLE IF NOT EXISTS test_fail (target text PRIMARY KEY)`.execute(t.owner);
  await sql.raw(`CREATE OR REPLACE FUNCTION test_fail_${table}() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM test_fail WHERE target = '${table}') THEN RAISE EXCEPTION 'test: ${table} refused'; END IF;
        RETURN coalesce(NEW, OLD);
      END $$`).execute(t.owner);
  await sql.raw(`CREATE TRIGGER test_fail_${table} ${timing} ON ${table} FOR EACH ROW WHEN (${when}) EXECUTE FUNCTION test_fail_${table}()`).execute(t.owner);
  await sql`INSERT INTO test_fail VALUES (${table})`.execute(t.owner);
}

describe('the next relay batch claimed with the commit of the one before', () => {
  let t: TestDatabase;
  let relay: RelayHandle | undefined;
  const settings = testSettings({ relay: { batchSize: 2, applyMaxEvents: 16, loops: 1 } });
  const sent: string[] = [];
  const original = pg.Client.prototype.query;
  beforeEach(async () => {
    t = await createTestDatabase();
    await createEffectsTable(t.db);
    sent.length = 0;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      if (typeof args[0] === 'string') sent.push(args[0]);
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof original;
  });
  afterEach(async () => {
    pg.Client.prototype.query = original;
    await relay?.stop();
    relay = undefined;
    await t.drop();
  });
  const start = async () => {
    const direct = recordingSubscriber('direct', { appliesInRelay: true });
    relay = await startRelay({ url: t.url, subscribers: [direct], settings, log: silentLogger, applier: relayApplier([direct], { settings, log: silentLogger }) });
  };
  const claimedWithCommit = () => sent.some((s) => /COMMIT;\s*BEGIN;[\s\S]*EXECUTE accrue_relay_claim_\d+\(/.test(s));
  // Every event applied once, in the relay, and counted once.
  const appliedOnceEach = async (ids: readonly string[], before: number) => {
    await waitFor('the relay', async () => (await effectCounts(t.db, 'direct')).size === ids.length);
    const counts = await effectCounts(t.db, 'direct');
    expect(ids.every((id) => counts.get(id) === 1)).toBe(true);
    expect(await inRelayDeliveries(t, 'direct')).toBe(ids.length);
    expect((await appliedCounter('direct')) - before).toBe(ids.length);
  };

  it('moves a backlog batch by batch, each claimed with the commit before it: every event applied once', async () => {
    const ids = await appendInvoices(t.db, 0, 5);
    const before = await appliedCounter('direct');
    await start();
    await appliedOnceEach(ids, before);
    expect(claimedWithCommit()).toBe(true);
  });

  it('keeps a commit whose round trip failed in the claim after it: the batch counts as applied, the next is claimed afresh', async () => {
    const ids = await appendInvoices(t.db, 0, 3);
    const third = await sql<{ position: string }>`SELECT position FROM events WHERE event_id = ${ids[2]!}`.execute(t.db);
    // The third event's outbox row cannot be deleted: the claim sent with the first batch's commit fails.
    await failWhileFlagged(t, 'outbox', 'BEFORE DELETE', `OLD.position = ${third.rows[0]!.position}`);
    const before = await appliedCounter('direct');
    await start();
    await waitFor('the relay', async () => (await effectCounts(t.db, 'direct')).size === 2);
    // The first batch committed although its round trip failed: counted as applied in the relay.
    await waitFor('the relay', async () => (await appliedCounter('direct')) - before === 2);
    expect(claimedWithCommit()).toBe(true);
    await sql`DELETE FROM test_fail`.execute(t.owner);
    await appliedOnceEach(ids, before);
  });

  it('rolls back a batch whose commit failed in the round trip that also claimed: applied once later, counted once', async () => {
    const ids = await appendInvoices(t.db, 0, 3);
    await failWhileFlagged(t, 'relay_direct_deliveries', 'BEFORE INSERT', 'true');
    const before = await appliedCounter('direct');
    await start();
    // Every commit fails (its count's insert raises), with or without a claim after it; nothing stays applied.
    await waitFor('the relay', async () => claimedWithCommit());
    expect((await effectCounts(t.db, 'direct')).size).toBe(0);
    expect((await appliedCounter('direct')) - before).toBe(0);
    await sql`DELETE FROM test_fail`.execute(t.owner);
    await appliedOnceEach(ids, before);
  });
});
