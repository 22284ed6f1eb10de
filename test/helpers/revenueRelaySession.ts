import { sql } from 'kysely';
import type { PgBoss } from 'pg-boss';
import { afterEach, beforeEach } from 'vitest';
import { registerSubscriptions } from '../../src/bus/contract/subscriptions.ts';
import { ensureQueues } from '../../src/bus/queues/ensureQueues.ts';
import { startBoss } from '../../src/bus/queues/startBoss.ts';
import { relayApplier } from '../../src/bus/worker/applyInRelay.ts';
import { connect, type DbHandle } from '../../src/db/connect.ts';
import { revenueSubscriber } from '../../src/subscribers/revenue/revenueSubscriber.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { testSettings } from './busTestKit.ts';
import { createTestDatabase, type TestDatabase } from './testDatabase.ts';

/**
 * For tests that call relayBatch directly with a relay that applies revenue itself: per
 * test a fresh database with revenue registered, one relay session (a relay's pool
 * keeps its sessions; planning each call for its values: customPlans) and a real pg-boss
 * as the relay starts it, with the revenue and webhooks queues. `jobs()` reads the jobs
 * the batches committed (one that fell back to jobs, or for a subscriber not applied
 * here), by queue in the order made: a job a rolled-back batch inserted is not there.
 * Call it inside a describe; read the fields in tests.
 */
export function revenueRelaySession() {
  const settings = testSettings({ relay: { applyMaxEvents: 16 } });
  const session = {
    t: undefined as unknown as TestDatabase,
    relay: undefined as unknown as DbHandle,
    boss: undefined as unknown as PgBoss,
    applier: relayApplier([revenueSubscriber], { settings, log: silentLogger })!,
    jobs: async () => (await sql<{ name: string }>`SELECT name FROM pgboss.job ORDER BY created_on, id`.execute(session.t.db)).rows.map((r) => r.name),
  };
  beforeEach(async () => {
    session.t = await createTestDatabase();
    await registerSubscriptions(session.t.db, [revenueSubscriber]);
    session.relay = connect(session.t.url, { max: 1, customPlans: true, applicationName: 'accrue-relay' });
    session.boss = await startBoss(session.t.url, { role: 'relay', settings, log: silentLogger, max: 1 });
    await ensureQueues(session.boss, ['revenue', 'webhooks'], settings.queue);
  });
  afterEach(async () => {
    await session.boss.stop({ graceful: false });
    await session.relay.close();
    await session.t.drop();
  });
  return session;
}
