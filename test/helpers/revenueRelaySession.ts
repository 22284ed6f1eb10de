import type { PgBoss } from 'pg-boss';
import { afterEach, beforeEach } from 'vitest';
import { registerSubscriptions } from '../../src/bus/contract/subscriptions.ts';
import { relayApplier } from '../../src/bus/worker/applyInRelay.ts';
import { connect, type DbHandle } from '../../src/db/connect.ts';
import { revenueSubscriber } from '../../src/subscribers/revenue/revenueSubscriber.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { testSettings } from './busTestKit.ts';
import { createTestDatabase, type TestDatabase } from './testDatabase.ts';

/**
 * For tests that call relayBatch directly with a relay that applies revenue itself: per
 * test a fresh database with revenue registered, and one relay session (a relay's pool
 * keeps its sessions; planning each call for its values: customPlans). `boss` stands for
 * pg-boss: the jobs a batch makes (one that fell back, or for a subscriber not applied
 * here) are recorded in `jobs` by queue. Call it inside a describe; read the fields in tests.
 */
export function revenueRelaySession() {
  const settings = testSettings({ relay: { applyMaxEvents: 16 } });
  const session = {
    t: undefined as unknown as TestDatabase,
    relay: undefined as unknown as DbHandle,
    jobs: [] as string[],
    applier: relayApplier([revenueSubscriber], { settings, log: silentLogger })!,
    boss: undefined as unknown as PgBoss,
  };
  session.boss = { insert: async (queue: string, rows: unknown[]) => void session.jobs.push(...rows.map(() => queue)) } as unknown as PgBoss;
  beforeEach(async () => {
    session.t = await createTestDatabase();
    await registerSubscriptions(session.t.db, [revenueSubscriber]);
    session.relay = connect(session.t.url, { max: 1, customPlans: true, applicationName: 'accrue-relay' });
    session.jobs = [];
  });
  afterEach(async () => {
    await session.relay.close();
    await session.t.drop();
  });
  return session;
}
