import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { startRelay, type RelayHandle } from '../../../src/bus/relay/startRelay.ts';
import { startWorker, type WorkerHandle } from '../../../src/bus/worker/startWorker.ts';
import { revenueSubscriber } from '../../../src/subscribers/revenue/index.ts';
import { testSettings } from '../../helpers/busTestKit.ts';
import { waitFor } from '../../helpers/accrueProcess.ts';
import { createCustomer, createTestApi, invoiceBody, type TestApi } from '../../helpers/testApi.ts';

// The outbox has no NOTIFY trigger any more (migration 060): the API's pool wakes the
// relay after its commit, the worker's after the batch that appended revenue events.
describe('relay wake-up after commit, end to end', () => {
  let api: TestApi;
  let relay: RelayHandle;
  let worker: WorkerHandle;
  let customerId: string;
  beforeAll(async () => {
    api = await createTestApi();
    customerId = await createCustomer(api);
    const subscribers = [revenueSubscriber];
    // Poll 60 s away: an event that arrives in seconds came through the wake-up, not a poll.
    relay = await startRelay({ url: api.t.url, subscribers, settings: testSettings({ relay: { pollMs: 60_000 } }), log: silentLogger });
    worker = await startWorker({ url: api.t.url, subscribers, settings: testSettings(), log: silentLogger });
    // Let the relay's start-up batch and listener settle, so what follows waits on a wake-up.
    await waitFor('the start-up batch', async () => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM outbox`.execute(api.t.db)).rows[0]!.n === 0, 10_000);
    await new Promise((r) => setTimeout(r, 500));
  });
  afterAll(async () => {
    await relay?.stop();
    await worker?.stop();
    await api?.drop();
  });

  it("moves an API-created invoice's events to the ledger in seconds with a 60 s relay poll", async () => {
    const res = await api.call('POST', '/v1/invoices', { body: invoiceBody(customerId) });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const invoiceId = res.body.id as string;
    const started = Date.now();
    await waitFor('the invoice in the ledger', async () => {
      const rows = await api.t.db.selectFrom('ledger_entries').select('entry_id').where('invoice_id', '=', invoiceId).execute();
      return rows.length > 0;
    }, 10_000);
    const outboxEmpty = async () => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM outbox`.execute(api.t.db)).rows[0]!.n === 0;
    // The revenue subscriber's own events, appended in the worker's batch transaction.
    await waitFor('the revenue events relayed', outboxEmpty, 10_000);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
