import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { appendEvents, type NewEvent } from '../events/appendEvents.ts';
import { readStoredEvent, type StoredEvent } from '../events/envelope.ts';
import { isEventType } from '../events/eventTypes.ts';
import { ValidationError } from '../errors.ts';
import { todayUtc } from '../lib/dates.ts';
import { silentLogger, type Logger } from '../lib/logger.ts';
import { scenarioActual } from '../reports/scenarioActual.ts';
import { revenueSubscriber } from '../revenue/revenueSubscriber.ts';
import type { ScenarioDriver } from './scenarioDriver.ts';
import type { InvoiceOperation } from './scenarioFile.ts';

/**
 * Drives a scenario without the bus: imports each operation as an event (source
 * 'import', externalId = the scenario's eventId, as POST /v1/events does) and hands
 * the stored event to revenueSubscriber.handle in its own transaction, skipping
 * events already handled (the worker's inbox does this in production). A repeated
 * eventId is stored once and delivered again, like an at-least-once redelivery.
 */
export function createInProcessDriver(db: Kysely<Database>, options: { now: Date; log?: Logger; correlationId?: string }): ScenarioDriver {
  const inbox = new Set<string>();
  const log = options.log ?? silentLogger;
  const correlationId = options.correlationId ?? 'scenario';

  async function deliver(event: StoredEvent) {
    if (inbox.has(event.eventId)) return;
    await db.transaction().execute((tx) => revenueSubscriber.handle(readStoredEvent(event), { db: tx, log, now: options.now }));
    inbox.add(event.eventId);
  }

  async function append(event: NewEvent): Promise<StoredEvent> {
    const [result] = await appendEvents(db, [event], { correlationId, actor: 'scenario' });
    return result!.event;
  }

  return {
    async importEvents(ops: readonly InvoiceOperation[]) {
      for (const op of ops) {
        if (!isEventType(op.type)) throw new ValidationError(`unknown event type ${op.type}`, [{ field: 'type', message: 'unknown event type' }]);
        const stored = await append({
          type: op.type,
          aggregateId: op.invoiceId,
          aggregateVersion: op.version ?? null,
          occurredAt: op.occurredAt,
          data: op.data,
          source: 'import',
          externalId: op.eventId,
        });
        await deliver(stored);
      }
    },
    async closePeriod(period: string) {
      const stored = await append({ type: 'PeriodClosed', aggregateId: period, occurredAt: todayUtc(options.now), data: { period } });
      await deliver(stored);
    },
    async waitUntilDrained() {
      // Every event is handled before importEvents returns.
    },
    async getActual() {
      return scenarioActual(db, {}, options.now);
    },
    async close() {},
  };
}
