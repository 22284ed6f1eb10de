import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.ts';
import { appendEvents, type NewEvent } from '../../src/events/appendEvents.ts';
import type { StoredEvent } from '../../src/events/envelope.ts';

/** Appends events through the real event store and returns them as a worker would read them. */
export async function appendTestEvents(db: Kysely<Database>, events: NewEvent[]): Promise<StoredEvent[]> {
  const results = await appendEvents(db, events, { correlationId: 'test', actor: 'test' });
  return results.map((r) => r.event);
}

export function invoiceCreated(invoiceId: string, occurredAt: string, data: Record<string, unknown>, version = 1): NewEvent {
  return { type: 'InvoiceCreated', aggregateId: invoiceId, aggregateVersion: version, occurredAt, data };
}
