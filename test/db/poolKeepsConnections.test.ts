import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase.ts';
import { startBoss } from '../../src/bus/queues/startBoss.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { testSettings } from '../helpers/busTestKit.ts';

// pg's pools close a connection idle for 10 s; ours keep it (POOL_IDLE_TIMEOUT_MS in
// src/db/connect.ts): a steady load then never reopens connections in a burst.
describe('a pool made by connect()', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase({ poolMax: 2 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  afterAll(async () => {
    await t.drop();
  });

  const backends = async () => {
    // Two at once: both of the pool's connections, each its own server process.
    const [a, b] = await Promise.all([1, 2].map(() => t.pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid, pg_sleep(0.05)')));
    return new Set([a!.rows[0]!.pid, b!.rows[0]!.pid]);
  };

  it('keeps its idle connections open, well past pg’s own 10 s', async () => {
    const before = await backends();
    expect(before.size).toBe(2);
    // The pool starts an idle client's timeout (setTimeout) when the client is released:
    // released under fake timers, a minute passes for them at once.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    expect(await backends()).toEqual(before);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(t.pool.totalCount).toBe(2);
    expect(t.pool.idleCount).toBe(2);
    vi.useRealTimers();
    expect(await backends()).toEqual(before);
  });

  it("keeps pg-boss's idle connections too (startBoss hands the setting to pg-boss's pool)", async () => {
    const boss = await startBoss(t.url, { role: 'client', settings: testSettings(), log: silentLogger, max: 2 });
    try {
      const backends = async () =>
        (await t.pool.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE application_name = 'accrue-client' ORDER BY pid`)).rows.map((r) => r.pid);
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      await boss.getQueues(); // a pooled query: its connection is released under fake timers
      const before = await backends();
      expect(before.length).toBeGreaterThan(0);
      await vi.advanceTimersByTimeAsync(60_000);
      vi.useRealTimers();
      // Every connection it had is still open; pg-boss's own timers, run by the minute that
      // passed, may have opened another beside them (CI saw [a] become [a, b]).
      expect(await backends()).toEqual(expect.arrayContaining(before));
    } finally {
      vi.useRealTimers();
      await boss.stop({ graceful: false });
    }
  });
});
