import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { startRelay, type RelayHandle } from '../../../src/bus/relay/startRelay.ts';
import { relayApplier } from '../../../src/bus/worker/applyInRelay.ts';
import type { Subscriber } from '../../../src/bus/contract/subscriber.ts';
import { appendInvoices, createEffectsTable, effectCounts, testSettings } from '../../helpers/busTestKit.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';

// A relay's poll is the fallback for a lost notification. While one of its loops is in a
// batch, that loop sees every commit when it commits; a second loop woken by its poll
// timer claimed beside it (the next events of the same invoices, their locks waited for)
// and kept carrying claims from then on: two loops in batches at a steady trickle.
describe('a relay loop whose poll fires while another loop is in a batch', () => {
  let t: TestDatabase;
  let relay: RelayHandle | undefined;
  beforeEach(async () => {
    t = await createTestDatabase();
    await createEffectsTable(t.db);
  });
  afterEach(async () => {
    await relay?.stop();
    relay = undefined;
    await t.drop();
  });

  it('waits for the next wake-up instead of claiming: one loop in a batch at a time, every event applied once', async () => {
    // Relay transactions with an event in this handler at the same time (one batch's events share one).
    const open = new Map<string, number>();
    let most = 0;
    // Each event holds its batch open 60 ms: the other loop's 10 ms poll fires during every batch.
    const slow: Subscriber = {
      name: 'slow',
      eventTypes: ['InvoiceCreated'],
      appliesInRelay: true,
      async handle(event, { db }) {
        const { rows } = await sql<{ tx: string }>`SELECT pg_current_xact_id()::text AS tx`.execute(db);
        const tx = rows[0]!.tx;
        open.set(tx, (open.get(tx) ?? 0) + 1);
        most = Math.max(most, open.size);
        try {
          await sql`SELECT pg_sleep(0.06)`.execute(db);
          await sql`INSERT INTO test_effects (subscriber, event_id) VALUES ('slow', ${event.eventId})`.execute(db);
        } finally {
          const left = open.get(tx)! - 1;
          if (left === 0) open.delete(tx);
          else open.set(tx, left);
        }
      },
    };
    const settings = testSettings({ relay: { loops: 2, pollMs: 10, applyMaxEvents: 16 } });
    relay = await startRelay({ url: t.url, subscribers: [slow], settings, log: silentLogger, applier: relayApplier([slow], { settings, log: silentLogger }) });
    // Both loops claim once as the relay starts (side by side, as for a backlog); once idle, one wakes per commit.
    await new Promise((r) => setTimeout(r, 300));
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      ids.push(...(await appendInvoices(t.db, i, 1)));
      await new Promise((r) => setTimeout(r, 25));
    }
    const deadline = Date.now() + 30_000;
    while ((await effectCounts(t.db, 'slow')).size < ids.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const counts = await effectCounts(t.db, 'slow');
    expect(ids.every((id) => counts.get(id) === 1)).toBe(true);
    expect(most).toBe(1);
  });
});
