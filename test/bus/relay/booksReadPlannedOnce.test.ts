import { sql } from 'kysely';
import type { PgBoss } from 'pg-boss';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendEvents } from '../../../src/events/appendEvents.ts';
import { connect, type DbHandle } from '../../../src/db/connect.ts';
import { relayBatch } from '../../../src/bus/relay/relayBatch.ts';
import { relayApplier } from '../../../src/bus/worker/applyInRelay.ts';
import { registerSubscriptions } from '../../../src/bus/contract/subscriptions.ts';
import { revenueSubscriber } from '../../../src/subscribers/revenue/revenueSubscriber.ts';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { invoiceCreated, testSettings } from '../../helpers/busTestKit.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';

describe("the revenue books read in the relay, prepared once per session and planned once", () => {
  let t: TestDatabase;
  let relay: DbHandle;
  const settings = testSettings({ relay: { applyMaxEvents: 16 } });
  const applier = relayApplier([revenueSubscriber], { settings, log: silentLogger })!;
  // The batch that falls back to jobs inserts them here.
  let jobs: string[] = [];
  const boss = { insert: async (queue: string, rows: unknown[]) => void jobs.push(...rows.map(() => queue)) } as unknown as PgBoss;
  beforeEach(async () => {
    t = await createTestDatabase();
    await registerSubscriptions(t.db, [revenueSubscriber]);
    // One session, as a relay's pool keeps them: planning each call for its values (customPlans).
    relay = connect(t.url, { max: 1, customPlans: true, applicationName: 'accrue-relay' });
    jobs = [];
  });
  afterEach(async () => {
    await relay.close();
    await t.drop();
  });

  const append = (i: number) => appendEvents(t.db, [invoiceCreated(i)], { correlationId: `books${i}`, actor: 'test' });
  const entries = async (i: number) => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM ledger_entries WHERE invoice_id = ${`inv_${i}`}`.execute(t.db)).rows[0]!.n;
  const readPlans = async () =>
    (await relay.pool.query<{ generic: number; custom: number }>(`SELECT generic_plans::int AS generic, custom_plans::int AS custom FROM pg_prepared_statements WHERE name LIKE 'accrue_read_%'`)).rows;
  const pid = async () => (await relay.pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;

  it('posts each batch with the books read by the cached generic plan, and leaves the session planning its other statements per call', async () => {
    for (const i of [1, 2, 3]) {
      await append(i);
      expect((await relayBatch(relay, boss, 10, { applier })).moved).toBe(1);
      expect(await entries(i)).toBeGreaterThan(0);
    }
    expect(jobs).toEqual([]);
    expect(await readPlans()).toEqual([{ generic: 3, custom: 0 }]);
    expect((await relay.pool.query<{ plan_cache_mode: string }>('SHOW plan_cache_mode')).rows[0]!.plan_cache_mode).toBe('force_custom_plan');
  });

  it('hands the batch to jobs and discards the session when it lost the prepared read: the next batch prepares it again on a new one', async () => {
    await append(1);
    expect((await relayBatch(relay, boss, 10, { applier })).moved).toBe(1);
    const before = await pid();
    const { rows } = await relay.pool.query<{ name: string }>(`SELECT name FROM pg_prepared_statements WHERE name LIKE 'accrue_read_%'`);
    await relay.pool.query(`DEALLOCATE ${rows[0]!.name}`);
    await append(2);
    const fellBack: unknown[] = [];
    expect((await relayBatch(relay, boss, 10, { applier, onFellBack: (e) => fellBack.push(e) })).moved).toBe(1);
    expect(fellBack).toMatchObject([{ code: '26000' }]);
    expect(jobs).toEqual(['revenue']);
    expect(await entries(2)).toBe(0);
    await append(3);
    expect((await relayBatch(relay, boss, 10, { applier })).moved).toBe(1);
    expect(await entries(3)).toBeGreaterThan(0);
    expect(await pid()).not.toBe(before);
    expect(await readPlans()).toEqual([{ generic: 1, custom: 0 }]);
  });
});
