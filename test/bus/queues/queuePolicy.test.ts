import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgBoss } from 'pg-boss';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { busSettings } from '../../../src/bus/queues/busSettings.ts';
import { ensureQueues } from '../../../src/bus/queues/ensureQueues.ts';
import { startBoss } from '../../../src/bus/queues/startBoss.ts';
import { loadConfig } from '../../../src/config.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';

describe('queues created from config', () => {
  let t: TestDatabase;
  let boss: PgBoss;
  beforeAll(async () => {
    t = await createTestDatabase();
    boss = await startBoss(t.url, { role: 'client', settings: busSettings(loadConfig({})), log: silentLogger, max: 2 });
  });
  afterAll(async () => {
    await boss.stop({ graceful: false, close: true });
    await t.drop();
  });

  it('takes the configured policy, and a fixed delay when backoff is off (no cap then)', async () => {
    const withBackoff = busSettings(loadConfig({ ACCRUE_QUEUE_RETRY_LIMIT: '3', ACCRUE_QUEUE_RETRY_DELAY_MAX_SECONDS: '40' }));
    await ensureQueues(boss, ['policy-a'], withBackoff.queue);
    expect(await boss.getQueue('policy-a')).toMatchObject({ retryLimit: 3, retryBackoff: true, retryDelayMax: 40, deadLetter: 'accrue-failed-jobs' });

    const fixed = busSettings(loadConfig({ ACCRUE_QUEUE_RETRY_BACKOFF: 'false', ACCRUE_QUEUE_RETRY_DELAY_SECONDS: '7' }));
    await ensureQueues(boss, ['policy-b'], fixed.queue);
    expect(await boss.getQueue('policy-b')).toMatchObject({ retryBackoff: false, retryDelay: 7 });
  });
});
