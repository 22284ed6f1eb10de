import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { RefuseEvent } from '../../src/bus/contract/refuseEvent.ts';
import type { Subscriber } from '../../src/bus/contract/subscriber.ts';
import { waitUntilDrained } from '../../src/bus/operator/getStatus.ts';
import { relayApplier } from '../../src/bus/worker/applyInRelay.ts';
import { startRelay, type RelayHandle } from '../../src/bus/relay/startRelay.ts';
import { startWorker, type WorkerHandle } from '../../src/bus/worker/startWorker.ts';
import { loadConfig } from '../../src/config.ts';
import { startApi, type RunningApi } from '../../src/runtime/startApi.ts';
import { buildSubscriberRegistry } from '../../src/runtime/registeredSubscribers.ts';
import { revenueSubscriber } from '../../src/subscribers/revenue/index.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { testSettings } from './busTestKit.ts';
import { createTestDatabase, type TestDatabase } from './testDatabase.ts';

export const ADMIN_TOKEN = 'console-test-bootstrap-token-0123456789';

const POISON = '[poison]';

/**
 * A test subscriber beside revenue: records each InvoiceCreated it applies in
 * test_effects (no unique key, so applying twice shows as two rows) and, while
 * `poison.on`, refuses (RefuseEvent: straight to the archive, no retries) an invoice
 * whose line description carries the POISON marker.
 */
function probeSubscriber(poison: { on: boolean }): Subscriber {
  return {
    name: 'probe',
    eventTypes: ['InvoiceCreated'],
    async handle(event, { db }) {
      if (poison.on && JSON.stringify(event.data).includes(POISON)) {
        throw new RefuseEvent(`probe refuses invoice ${event.aggregateId} (poisoned for the console test)`);
      }
      await sql`INSERT INTO test_effects (subscriber, event_id) VALUES ('probe', ${event.eventId})`.execute(db);
    },
  };
}

export type SeededServer = {
  t: TestDatabase;
  api: RunningApi;
  origin: string;
  /** Invoices issued in these months (USD), one a month, each served over three months. */
  months: string[];
  invoiceIds: string[];
  /** The invoice whose InvoiceCreated the probe refused (its job is in the archive). */
  poisonedInvoice: string;
  /** Lets the probe apply the poisoned invoice from now on (the fix an operator would deploy). */
  fixProbe(): void;
  call(method: string, pathname: string, body?: unknown, token?: string): Promise<any>;
  probeEffects(eventId: string): Promise<number>;
  close(): Promise<void>;
};

/**
 * The whole service on a fresh database, over a real socket: the API with the
 * console, a relay and a worker running revenue, the probe and webhooks, seeded through /v1
 * with a customer, three invoices issued in past months (one paid) and one poisoned
 * job, and drained.
 */
export async function startSeededServer(): Promise<SeededServer> {
  const t = await createTestDatabase();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'accrue-console-'));
  const poison = { on: true };
  // Webhook endpoints to loopback receivers are allowed: the Access page shows their deliveries.
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', ACCRUE_BOOTSTRAP_TOKEN: ADMIN_TOKEN, ACCRUE_DATA_DIR: dataDir, ACCRUE_WEBHOOK_ALLOW_PRIVATE: 'true' });
  const registry = buildSubscriberRegistry(config, t.url);
  const webhooks = registry.subscribers.filter((s) => s.name === 'webhooks');
  const subscribers = [revenueSubscriber, probeSubscriber(poison), ...webhooks];
  const settings = testSettings();
  const worker: WorkerHandle = await startWorker({ url: t.url, subscribers, settings, log: silentLogger });
  // As `accrue start` runs it: small batches of revenue applied in the relay.
  const applier = relayApplier(subscribers, { settings, log: silentLogger });
  const relay: RelayHandle = await startRelay({ url: t.url, subscribers, settings, log: silentLogger, applier });
  const api = await startApi({ config, log: silentLogger, database: { url: t.url, embedded: false, stop: async () => {} }, print: () => {} });

  const call = async (method: string, pathname: string, body?: unknown, token = ADMIN_TOKEN): Promise<any> => {
    const res = await fetch(`${api.url}${pathname}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const answer = await res.json();
    if (!res.ok) throw new Error(`${method} ${pathname} answered ${res.status}: ${JSON.stringify(answer)}`);
    return answer;
  };

  const customer = await call('POST', '/v1/customers', { name: 'Console Co', email: 'billing@console.example' });
  // Three months before the current one, so every service period has started.
  const now = new Date();
  const months = [3, 2, 1].map((back) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 1)).toISOString().slice(0, 7));
  const invoiceIds: string[] = [];
  for (const [i, month] of months.entries()) {
    const start = `${month}-01`;
    const end = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)) - 1 + 3, 1)).toISOString().slice(0, 10);
    const invoice = await call('POST', '/v1/invoices', {
      customerId: customer.id,
      currency: 'USD',
      issuedAt: start,
      lines: [{ lineId: 'plan', kind: 'revenue', description: `Plan, 3 months from ${month}`, amount: 30_000 * (i + 1), servicePeriod: { start, end } }],
    });
    invoiceIds.push(invoice.id);
  }
  await call('POST', `/v1/invoices/${invoiceIds[0]}/payments`, { paymentId: 'pay_console_1', amount: 30_000 });
  await waitUntilDrained(t.db, { timeoutMs: 30_000 });

  // The poisoned job: the probe refuses this invoice's InvoiceCreated (revenue applies it).
  const poisoned = await call('POST', '/v1/invoices', {
    customerId: customer.id,
    currency: 'USD',
    issuedAt: `${months[2]}-15`,
    lines: [{ lineId: 'setup', kind: 'revenue', description: `Setup fee ${POISON}`, amount: 5_000 }],
  });
  await waitUntilDrained(t.db, { timeoutMs: 30_000 });

  return {
    t,
    api,
    origin: api.url,
    months,
    invoiceIds,
    poisonedInvoice: poisoned.id,
    fixProbe: () => {
      poison.on = false;
    },
    call,
    async probeEffects(eventId) {
      const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM test_effects WHERE subscriber = 'probe' AND event_id = ${eventId}`.execute(t.db);
      return rows[0]!.n;
    },
    async close() {
      await api.close();
      await relay.stop();
      await worker.stop();
      await registry.close();
      await t.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
