import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { readEventById, type EventContext } from '../../events/appendEvents.ts';
import { readStoredEvent, zodIssues, type StoredEvent } from '../../events/envelope.ts';
import { InvariantError, ValidationError } from '../../errors.ts';
import { importedEvent, importEvents } from '../../invoices/imports/importEvents.ts';
import { silentLogger, type Logger } from '../../telemetry/logger.ts';
import { closePeriod } from '../../invoices/closePeriod.ts';
import { scenarioActual } from '../../reports/scenarioActual.ts';
import { revenueSubscriber } from '../../subscribers/revenue/revenueSubscriber.ts';
import type { ScenarioDriver } from './scenarioDriver.ts';
import type { InvoiceOperation } from './scenarioFile.ts';
import { asRefusal } from './refusedOperation.ts';

/**
 * Drives a scenario without HTTP and the bus: imports each operation with the code
 * behind POST /v1/events (importEvents: same envelope, same refusals) and closes a
 * month with the code behind POST /v1/periods/{p}/close (closePeriod: only a month
 * that has ended by `now`), then hands the stored event to revenueSubscriber.handle
 * in its own transaction, skipping events already handled (the worker's inbox does
 * this in production). A repeated eventId is stored once and delivered again, like
 * an at-least-once redelivery. A refused operation throws OperationRefusedError (the
 * status and problem detail the API would answer), with nothing of it written.
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

  const ctx: EventContext = { correlationId, actor: 'scenario' };
  async function stored(eventId: string): Promise<StoredEvent> {
    const event = await readEventById(db, eventId);
    if (!event) throw new InvariantError(`event ${eventId} not stored`);
    return event;
  }

  return {
    async importEvents(ops: readonly InvoiceOperation[]) {
      for (const op of ops) {
        try {
          // The contract of POST /v1/events (importedEvent): an operation it refuses there is refused here.
          const parsed = importedEvent.safeParse(op);
          if (!parsed.success) throw new ValidationError(`invalid operation ${op.eventId}`, zodIssues(parsed.error));
          const [result] = await db.transaction().execute((tx) => importEvents(tx, [parsed.data], ctx, options.now));
          await deliver(await stored(result!.storedEventId));
        } catch (err) {
          throw asRefusal(op, err);
        }
      }
    },
    async closePeriod(period: string) {
      try {
        const result = await closePeriod(db, period, ctx, options.now);
        await deliver(await stored(result.eventId));
      } catch (err) {
        throw asRefusal({ eventId: `PeriodClosed ${period}`, type: 'PeriodClosed' }, err);
      }
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
