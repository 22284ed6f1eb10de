import fc from 'fast-check';
import { sql } from 'kysely';
import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../../src/db/connect.ts';
import type { StoredEvent } from '../../../src/events/envelope.ts';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import type { IncomingEvent } from '../../../src/subscribers/revenue/postInvoiceEvent.ts';
import { revenueSubscriber } from '../../../src/subscribers/revenue/revenueSubscriber.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';
import { histories } from './histories.ts';

// The clock of the generated histories: today is after every service period.
const NOW = new Date('2026-11-26T12:00:00Z');

/**
 * revenueSubscriber.handleBatch (what the worker calls for a batch) against
 * handle one event at a time (the worker's fallback, replays): the same random
 * histories as the posting properties, delivered in a random order with repeats and
 * now and then a PeriodClosed, cut into random batches, must leave identical books,
 * lines, journal, period locks and revenue events. Two databases fed in lockstep
 * (state carries over between runs, so later runs also post into closed months);
 * each run uses fresh invoice ids. Costs: two test databases, 40 runs of ~20 events.
 */
describe('revenue batches post exactly what one-by-one posting does', () => {
  let one: TestDatabase;
  let batch: TestDatabase;
  beforeAll(async () => {
    [one, batch] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  });
  afterAll(async () => {
    await Promise.all([one?.drop(), batch?.drop()]);
  });

  const cases = histories.chain((events) =>
    fc.record({
      order: fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }),
      repeats: fc.array(fc.integer({ min: 0, max: events.length - 1 }), { maxLength: 3 }),
      close: fc.option(fc.record({ at: fc.nat(), month: fc.integer({ min: 0, max: 30 }) }), { nil: undefined, freq: 4 }),
      cuts: fc.array(fc.boolean(), { minLength: events.length + 4, maxLength: events.length + 4 }),
    }),
  );

  it('same books, lines, entries and revenue events for any batch split', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(cases, async ({ order, repeats, close, cuts }) => {
        run += 1;
        const stored = toStored(`r${run}`, [...order, ...repeats.map((i) => order[i]!)]);
        if (close) stored.splice(close.at % (stored.length + 1), 0, periodClosed(close.month));
        for (const event of stored) {
          await one.db.transaction().execute((tx) => revenueSubscriber.handle(event, { db: tx, log: silentLogger, now: NOW }));
        }
        // cuts[i]: a batch ends after event i.
        const batches: StoredEvent[][] = [[]];
        stored.forEach((event, i) => {
          batches.at(-1)!.push(event);
          if (cuts[i] && i < stored.length - 1) batches.push([]);
        });
        for (const events of batches) {
          await batch.db.transaction().execute((tx) => revenueSubscriber.handleBatch!(events, { db: tx, log: silentLogger, now: NOW }));
        }
        expect(await books(batch.db)).toEqual(await books(one.db));
      }),
      { numRuns: 40, endOnFailure: true },
    );
    // The runs did post (not an empty comparison).
    const { entries, revenueEvents } = await books(batch.db);
    expect(entries.length).toBeGreaterThan(100);
    expect(revenueEvents.length).toBeGreaterThan(50);
  });
});

const eventIds = new Map<string, string>();

function toStored(prefix: string, events: readonly IncomingEvent[]): StoredEvent[] {
  return events.map((e, i) => {
    const eventId = eventIds.get(`${prefix}/${e.eventId}`) ?? uuidv7();
    eventIds.set(`${prefix}/${e.eventId}`, eventId);
    return stored({ eventId, type: e.type, aggregateType: 'invoice', aggregateId: `${prefix}-${e.invoiceId}`, version: e.version, occurredAt: e.occurredAt, data: e.data, position: i + 1 });
  });
}

function periodClosed(month: number): StoredEvent {
  const d = new Date(Date.UTC(2023, 11 + month, 1));
  const period = d.toISOString().slice(0, 7);
  return stored({ eventId: uuidv7(), type: 'PeriodClosed', aggregateType: 'period', aggregateId: period, version: null, occurredAt: `${period}-01`, data: { period }, position: 0 });
}

function stored(e: { eventId: string; type: string; aggregateType: string; aggregateId: string; version: number | null; occurredAt: string; data: unknown; position: number }): StoredEvent {
  return {
    position: e.position,
    eventId: e.eventId,
    type: e.type as StoredEvent['type'],
    schemaVersion: 1,
    aggregateType: e.aggregateType,
    aggregateId: e.aggregateId,
    aggregateVersion: e.version,
    occurredAt: e.occurredAt,
    recordedAt: NOW.toISOString(),
    correlationId: `corr-${e.eventId}`,
    causationId: null,
    traceparent: null,
    actor: 'test',
    source: 'api',
    externalId: null,
    data: e.data as StoredEvent['data'],
  };
}

/** Everything the revenue subscriber writes, without ids and clocks, in a stable order. */
async function books(db: Db) {
  const invoices = await sql<Record<string, unknown>>`
    SELECT invoice_id, currency, status, version, total, tax, net_revenue, amount_paid, amount_due, issued_on::text, first_event_on::text,
           horizon::text, applied, parked
    FROM revenue_invoices ORDER BY invoice_id`.execute(db);
  const lines = await sql<Record<string, unknown>>`
    SELECT invoice_id, line_id, currency, position, net_amount, service_start::text, service_end::text, recognized,
           recognized_through::text, active
    FROM revenue_lines ORDER BY invoice_id, line_id`.execute(db);
  const entries = await sql<Record<string, unknown>>`
    SELECT currency, entry_date::text, origin_date::text, kind, invoice_id, line_id, payment_id, event_id::text, note,
           accounts_receivable, cash, deferred_revenue, revenue, tax_payable, customer_credit
    FROM ledger_entries
    ORDER BY invoice_id, event_id NULLS FIRST, entry_date, kind, line_id NULLS FIRST, payment_id NULLS FIRST, origin_date,
             accounts_receivable, cash, deferred_revenue, revenue, tax_payable, customer_credit`.execute(db);
  const locks = await sql<Record<string, unknown>>`SELECT period, event_id::text FROM ledger_period_locks ORDER BY period`.execute(db);
  const revenueEvents = await sql<Record<string, unknown>>`
    SELECT type, aggregate_id, occurred_at::text, correlation_id, causation_id::text, traceparent, actor, source, data - 'entryId' AS data
    FROM events WHERE source = 'revenue'
    ORDER BY aggregate_id, causation_id NULLS FIRST, type, occurred_at, (data - 'entryId')::text`.execute(db);
  return { invoices: invoices.rows, lines: lines.rows, entries: entries.rows, locks: locks.rows, revenueEvents: revenueEvents.rows };
}
