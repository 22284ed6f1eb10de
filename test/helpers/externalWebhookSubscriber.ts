import type { Subscriber } from '../../src/bus/contract/subscriber.ts';
import type { EventType } from '../../src/events/eventTypes.ts';
import type { StoredEvent } from '../../src/events/envelope.ts';
import type { CircuitBreaker } from '../../src/bus/breaker/circuitBreaker.ts';
import { postJson, safeUrl } from '../../src/subscribers/postJson.ts';
import { SIGNATURE_HEADER, signWebhookBody, standardWebhookHeaders } from '../../src/subscribers/webhooks/signWebhook.ts';

export type WebhooksOptions = {
  url: string;
  secret: string;
  eventTypes: readonly EventType[];
  timeoutMs: number;
  breaker: CircuitBreaker;
  /**
   * Stamps webhook-timestamp. Read when each request leaves, not the job's `now`:
   * receivers refuse deliveries over 5 minutes old, and a batch may start long
   * before its last request. Default: the system clock.
   */
  clock?: () => Date;
};

/** What the receiver gets: the event envelope (DESIGN.md "Events"), as JSON. */
export function webhookBody(event: StoredEvent): string {
  return JSON.stringify({
    eventId: event.eventId,
    type: event.type,
    schemaVersion: event.schemaVersion,
    aggregateType: event.aggregateType,
    aggregateId: event.aggregateId,
    aggregateVersion: event.aggregateVersion,
    occurredAt: event.occurredAt,
    recordedAt: event.recordedAt,
    correlationId: event.correlationId,
    causationId: event.causationId,
    actor: event.actor,
    source: event.source,
    data: event.data,
  });
}

/**
 * A test stand-in for an external subscriber (the single-URL webhooks subscriber accrue
 * had before webhook endpoints, issue 13): the bus's breaker, batch sizing and retry
 * tests drive it. Forwards events to one outside URL, signed the Standard Webhooks way (signWebhook.ts)
 * with the eventId as webhook-id and Idempotency-Key.
 * A non-2xx answer or a timeout throws, so the worker retries with backoff; behind
 * the circuit breaker, a dead endpoint defers jobs instead of burning their retries.
 *
 * The delivery row is claimed before the POST (in the job's transaction): a second
 * delivery of the same event (replay, rebuild, a concurrent duplicate) finds it and
 * sends nothing; a failed POST rolls the claim back. A crash after the receiver's
 * 2xx but before our commit sends the event again, which the receiver drops by
 * Idempotency-Key: at-least-once on the wire, once in effect.
 */
export function createWebhooksSubscriber(options: WebhooksOptions): Subscriber {
  const url = safeUrl(options.url);
  const clock = options.clock ?? (() => new Date());
  return {
    name: 'webhooks',
    eventTypes: options.eventTypes,
    external: true,
    async handle(event, { db, now }) {
      const claimed = await db
        .insertInto('webhook_deliveries')
        .values({ event_id: event.eventId, event_type: event.type, url })
        .onConflict((oc) => oc.column('event_id').doNothing())
        .returning('event_id')
        .executeTakeFirst();
      if (!claimed) return;
      const body = webhookBody(event);
      const headers = () => ({
        ...standardWebhookHeaders(event.eventId, body, options.secret, clock()),
        // Deprecated: one more release for receivers that check it (docs/subscribers.md).
        [SIGNATURE_HEADER]: signWebhookBody(body, options.secret),
        'idempotency-key': event.eventId,
        'x-accrue-event-id': event.eventId,
        'x-accrue-event-type': event.type,
      });
      const status = await options.breaker.run(now, () => postJson(options.url, body, headers(), options.timeoutMs));
      await db
        .updateTable('webhook_deliveries')
        .set({ status_code: status, delivered_at: now })
        .where('event_id', '=', event.eventId)
        .execute();
    },
  };
}
