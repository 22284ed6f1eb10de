import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { appendEvents } from '../../../src/events/appendEvents.ts';
import { relayBatch } from '../../../src/bus/relay/relayBatch.ts';
import { invoiceCreated } from '../../helpers/busTestKit.ts';
import { revenueRelaySession } from '../../helpers/revenueRelaySession.ts';

describe("the revenue books read in the relay, prepared once per session and planned once", () => {
  // The batch that falls back to jobs inserts them with pg-boss: session.jobs().
  const session = revenueRelaySession();
  const append = (i: number) => appendEvents(session.t.db, [invoiceCreated(i)], { correlationId: `books${i}`, actor: 'test' });
  const entries = async (i: number) => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM ledger_entries WHERE invoice_id = ${`inv_${i}`}`.execute(session.t.db)).rows[0]!.n;
  const readPlans = async () =>
    (await session.relay.pool.query<{ generic: number; custom: number }>(`SELECT generic_plans::int AS generic, custom_plans::int AS custom FROM pg_prepared_statements WHERE name LIKE 'accrue_read_%'`)).rows;
  const pid = async () => (await session.relay.pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;

  it('posts each batch with the books read by the cached generic plan, and leaves the session planning its other statements per call', async () => {
    for (const i of [1, 2, 3]) {
      await append(i);
      expect((await relayBatch(session.relay, session.boss, 10, { applier: session.applier })).moved).toBe(1);
      expect(await entries(i)).toBeGreaterThan(0);
    }
    expect(await session.jobs()).toEqual([]);
    expect(await readPlans()).toEqual([{ generic: 3, custom: 0 }]);
    expect((await session.relay.pool.query<{ plan_cache_mode: string }>('SHOW plan_cache_mode')).rows[0]!.plan_cache_mode).toBe('force_custom_plan');
  });

  it('hands the batch to jobs and discards the session when it lost the prepared read: the next batch prepares it again on a new one', async () => {
    await append(1);
    expect((await relayBatch(session.relay, session.boss, 10, { applier: session.applier })).moved).toBe(1);
    const before = await pid();
    const { rows } = await session.relay.pool.query<{ name: string }>(`SELECT name FROM pg_prepared_statements WHERE name LIKE 'accrue_read_%'`);
    await session.relay.pool.query(`DEALLOCATE ${rows[0]!.name}`);
    await append(2);
    const fellBack: unknown[] = [];
    expect((await relayBatch(session.relay, session.boss, 10, { applier: session.applier, onFellBack: (e) => fellBack.push(e) })).moved).toBe(1);
    expect(fellBack).toMatchObject([{ code: '26000' }]);
    expect(await session.jobs()).toEqual(['revenue']);
    expect(await entries(2)).toBe(0);
    await append(3);
    expect((await relayBatch(session.relay, session.boss, 10, { applier: session.applier })).moved).toBe(1);
    expect(await entries(3)).toBeGreaterThan(0);
    expect(await pid()).not.toBe(before);
    expect(await readPlans()).toEqual([{ generic: 1, custom: 0 }]);
  });
});
