import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.ts';
import type { Subscriber } from '../../src/bus/contract/subscriber.ts';
import { readStoredEvent, type StoredEvent } from '../../src/events/envelope.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';

/**
 * In-memory dispatch as the worker does it: the event goes through JSON (a job
 * payload) and readStoredEvent (same validation), and the handler runs inside a
 * real transaction that rolls back if it throws.
 */
export async function dispatch(db: Kysely<Database>, subscriber: Subscriber, event: StoredEvent, now = new Date()): Promise<void> {
  const payload: unknown = JSON.parse(JSON.stringify(event));
  await db.transaction().execute((tx) => subscriber.handle(readStoredEvent(payload), { db: tx, log: silentLogger, now }));
}
