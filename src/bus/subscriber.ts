import type { Logger } from 'pino';
import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { EventType } from '../events/eventTypes.ts';
import type { StoredEvent } from '../events/envelope.ts';

/**
 * The event-bus interface of the original plan, independent of pg-boss: a subscriber
 * is a name, the event types it takes, and a plain function. The worker calls
 * `handle` inside one transaction that also records (subscriber, eventId) in the
 * inbox, so its effects happen exactly once; unit tests call it in memory with the
 * same validation (readStoredEvent).
 */
export type SubscriberContext = {
  /** The transaction the effect must be written in (inbox record commits with it). */
  db: Transaction<Database>;
  log: Logger;
  /** The processing clock; business dates come from the event, never from here. */
  now: Date;
};

export type Subscriber = {
  name: string;
  eventTypes: readonly EventType[];
  handle(event: StoredEvent, ctx: SubscriberContext): Promise<void>;
  /** Calls systems outside accrue: runs behind a circuit breaker. */
  external?: boolean;
};
