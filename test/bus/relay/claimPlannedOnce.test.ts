import { sql } from 'kysely';
import type { PgBoss } from 'pg-boss';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendEvents } from '../../../src/events/appendEvents.ts';
import { connect, type DbHandle } from '../../../src/db/connect.ts';
import { relayBatch } from '../../../src/bus/relay/relayBatch.ts';
import { invoiceCreated } from '../../helpers/busTestKit.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';

// No subscription takes the events: the batches make no jobs, and pg-boss is never asked.
const noBoss = {} as PgBoss;

describe("the relay's claim, prepared once per session and planned once", () => {
  let t: TestDatabase;
  let relay: DbHandle;
  beforeEach(async () => {
    t = await createTestDatabase();
    // One session, as a relay's pool keeps them: planning each call for its values (customPlans).
    relay = connect(t.url, { max: 1, customPlans: true, applicationName: 'accrue-relay' });
  });
  afterEach(async () => {
    await relay.close();
    await t.drop();
  });

  const append = (i: number) => appendEvents(t.db, [invoiceCreated(i)], { correlationId: `plan${i}`, actor: 'test' });
  const claimPlans = async () =>
    (
      await relay.pool.query<{ generic: number; custom: number }>(
        `SELECT generic_plans::int AS generic, custom_plans::int AS custom FROM pg_prepared_statements WHERE name LIKE 'accrue_relay_claim%'`,
      )
    ).rows;

  it('plans the claim once for the session, and leaves the session planning its other statements per call', async () => {
    for (const i of [1, 2, 3]) {
      await append(i);
      expect((await relayBatch(relay, noBoss, 10, { recentFrom: '2000-01-01' })).moved).toBe(1);
    }
    // Each call ran the cached generic plan; none was planned for its values.
    expect(await claimPlans()).toEqual([{ generic: 3, custom: 0 }]);
    expect((await relay.pool.query<{ plan_cache_mode: string }>('SHOW plan_cache_mode')).rows[0]!.plan_cache_mode).toBe('force_custom_plan');
  });

  it('keeps claiming after a migration changes a table the claim reads (the server replans it)', async () => {
    await append(1);
    expect((await relayBatch(relay, noBoss, 10)).moved).toBe(1);
    await sql`ALTER TABLE outbox ADD COLUMN probe int`.execute(t.owner);
    await append(2);
    expect((await relayBatch(relay, noBoss, 10)).moved).toBe(1);
    expect(await claimPlans()).toEqual([{ generic: 2, custom: 0 }]);
  });

  it('discards a session that lost the prepared claim: the next batch prepares it again on a new one', async () => {
    await append(1);
    expect((await relayBatch(relay, noBoss, 10)).moved).toBe(1);
    const before = (await relay.pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const { rows } = await relay.pool.query<{ name: string }>(`SELECT name FROM pg_prepared_statements WHERE name LIKE 'accrue_relay_claim%'`);
    await relay.pool.query(`DEALLOCATE ${rows[0]!.name}`);
    await append(2);
    await expect(relayBatch(relay, noBoss, 10)).rejects.toMatchObject({ code: '26000' });
    expect((await relayBatch(relay, noBoss, 10)).moved).toBe(1);
    expect((await relay.pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid).not.toBe(before);
    expect(await claimPlans()).toEqual([{ generic: 1, custom: 0 }]);
  });
});
