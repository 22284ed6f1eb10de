import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Subscriber } from '../../../src/bus/contract/subscriber.ts';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { startWorker, type WorkerHandle } from '../../../src/bus/worker/startWorker.ts';
import { createEffectsTable, testSettings } from '../../helpers/busTestKit.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';

describe("subscribers' schedules", () => {
  let t: TestDatabase;
  let worker: WorkerHandle;
  const ticker: Subscriber = {
    name: 'ticker',
    eventTypes: ['InvoiceCreated'],
    async handle() {},
    schedules: [
      {
        name: 'ticker-hourly',
        cron: '0 * * * *',
        async run({ db }) {
          await sql`INSERT INTO test_effects (subscriber, event_id) VALUES ('ticker-hourly', gen_random_uuid())`.execute(db);
        },
      },
    ],
  };

  beforeAll(async () => {
    t = await createTestDatabase();
    await createEffectsTable(t.db);
    worker = await startWorker({ url: t.url, subscribers: [ticker], settings: testSettings(), log: silentLogger });
  });
  afterAll(async () => {
    await worker?.stop();
    await t.drop();
  });

  it('registers the cron schedule and runs each tick in a transaction', async () => {
    const schedules = await worker.boss.getSchedules('ticker-hourly');
    expect(schedules.map((s) => s.cron)).toEqual(['0 * * * *']);
    // A tick is a job on the schedule's queue; send one instead of waiting for the hour.
    await worker.boss.send('ticker-hourly', {});
    const deadline = Date.now() + 15_000;
    let n = 0;
    while (n === 0 && Date.now() < deadline) {
      n = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM test_effects WHERE subscriber = 'ticker-hourly'`.execute(t.db)).rows[0]!.n;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(n).toBe(1);
  });
});
