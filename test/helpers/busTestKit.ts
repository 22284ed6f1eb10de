import { sql } from 'kysely';
import type { Subscriber } from '../../src/bus/contract/subscriber.ts';
import type { Executor } from '../../src/db/connect.ts';
import { appendEvents, type NewEvent } from '../../src/events/appendEvents.ts';
import type { BusSettings } from '../../src/bus/queues/busSettings.ts';

/** Tiny delays so the suite stays quick; pg-boss retryDelay is whole seconds. */
export function testSettings(overrides: { queue?: Partial<BusSettings['queue']>; worker?: Partial<BusSettings['worker']>; relay?: Partial<BusSettings['relay']> } = {}): BusSettings {
  return {
    queue: { retryLimit: 3, retryDelay: 1, retryBackoff: true, retryDelayMax: 4, expireInSeconds: 5, ...overrides.queue },
    relay: { batchSize: 200, pollMs: 200, loops: 1, applyMaxEvents: 16, ...overrides.relay },
    worker: { batchSize: 50, concurrency: 2, pollSeconds: 0.5, outboundTimeoutMs: 1000, ...overrides.worker },
    superviseSeconds: 1,
    shutdownTimeoutMs: 5000,
  };
}

/** A table test subscribers write to: no unique key, so a double apply shows as 2 rows. */
export const EFFECTS_TABLE_SQL = `CREATE TABLE IF NOT EXISTS test_effects (
    subscriber text NOT NULL, event_id uuid NOT NULL, applied_at timestamptz NOT NULL DEFAULT clock_timestamp())`;

/**
 * The template database already has test_effects (created by the owner before the
 * runtime role's grants, which the runtime role that tests connect as cannot do);
 * this creates it only on a database without it.
 */
export async function createEffectsTable(db: Executor): Promise<void> {
  const exists = await sql<{ t: string | null }>`SELECT to_regclass('public.test_effects')::text AS t`.execute(db);
  if (!exists.rows[0]?.t) await sql.raw(EFFECTS_TABLE_SQL).execute(db);
}

/** A subscriber that records each event it applies; `fail` decides per event whether to throw. */
export function recordingSubscriber(name: string, options: { fail?: (eventId: string) => boolean; external?: boolean; appliesInRelay?: boolean } = {}): Subscriber {
  return {
    name,
    eventTypes: ['InvoiceCreated', 'CustomerCreated'],
    external: options.external,
    appliesInRelay: options.appliesInRelay,
    async handle(event, { db }) {
      await sql`INSERT INTO test_effects (subscriber, event_id) VALUES (${name}, ${event.eventId})`.execute(db);
      if (options.fail?.(event.eventId)) throw new Error(`refusing ${event.eventId}`);
    },
    async reset(db) {
      await sql`DELETE FROM test_effects WHERE subscriber = ${name}`.execute(db);
    },
  };
}

export function invoiceCreated(i: number) {
  return {
    type: 'InvoiceCreated' as const,
    aggregateId: `inv_${i}`,
    aggregateVersion: 1,
    occurredAt: '2026-01-01',
    data: { customerId: 'cus_1', currency: 'USD', lines: [{ lineId: 'l1', kind: 'revenue', description: 'Plan', amount: 1000 }] },
  };
}

/** An InvoiceCreated whose one line is recognised over 2026: the revenue posting writes a RevenueDeferred event for it. */
export function ratableInvoiceCreated(invoiceId: string): NewEvent {
  return {
    type: 'InvoiceCreated',
    aggregateId: invoiceId,
    aggregateVersion: 1,
    occurredAt: '2026-01-01',
    data: { customerId: 'cus_1', currency: 'USD', lines: [{ lineId: 'l1', kind: 'revenue', description: 'Plan', amount: 1200, servicePeriod: { start: '2026-01-01', end: '2027-01-01' } }] },
  };
}

/** The RevenueDeferred events written, and how many of them have an outbox row (relayed to a subscription). */
export async function revenueDeferredEvents(db: Executor): Promise<{ all: number; relayed: number }> {
  return (
    await sql<{ all: number; relayed: number }>`
      SELECT count(*)::int AS all, count(o.position)::int AS relayed
      FROM events e LEFT JOIN outbox o USING (position) WHERE e.type = 'RevenueDeferred'`.execute(db)
  ).rows[0]!;
}

export async function appendInvoices(db: Executor, from: number, count: number): Promise<string[]> {
  const results = await appendEvents(
    db,
    Array.from({ length: count }, (_, k) => invoiceCreated(from + k)),
    { correlationId: `c${from}`, actor: 'test' },
  );
  return results.map((r) => r.event.eventId);
}

/** event_id -> number of times applied, for one subscriber. */
export async function effectCounts(db: Executor, subscriber: string): Promise<Map<string, number>> {
  const { rows } = await sql<{ event_id: string; n: number }>`
    SELECT event_id, count(*)::int AS n FROM test_effects WHERE subscriber = ${subscriber} GROUP BY event_id`.execute(db);
  return new Map(rows.map((r) => [r.event_id, r.n]));
}

/** How many events the completed jobs of `queue` carried (a bundle counts its events; a split bundle none). */
export async function eventsInCompletedJobs(t: { db: Executor }, queue: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    SELECT coalesce(sum(CASE WHEN data ? 'positions' THEN jsonb_array_length(data->'positions') ELSE 1 END), 0)::int AS n
    FROM pgboss.job WHERE name = ${queue} AND state = 'completed' AND (output->>'split') IS NULL`.execute(t.db);
  return rows[0]!.n;
}
