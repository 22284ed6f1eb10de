import { z } from 'zod';
import type { StoredEvent } from './envelope.ts';

/**
 * An event as accrue shows it to the world (issue 13: the feed, its SSE stream, NATS):
 * the facts a consumer acts on, without the internals of the stored envelope (actor,
 * source, traceparent, position). `data` is upcast to the type's current schema.
 */
export const publicEventSchema = z
  .object({
    id: z.uuid().meta({ description: 'the event id (UUIDv7); stable, so receivers dedupe by it' }),
    type: z.string().meta({ example: 'InvoiceIssued' }),
    occurredAt: z.string().meta({ description: 'business date, YYYY-MM-DD' }),
    aggregate: z.object({
      type: z.string().meta({ example: 'invoice' }),
      id: z.string(),
      version: z.number().int().nullable(),
    }),
    data: z.record(z.string(), z.unknown()),
    correlationId: z.string(),
  })
  .meta({ id: 'PublicEvent' });

export type PublicEvent = z.infer<typeof publicEventSchema>;

export function toPublicEvent(e: StoredEvent): PublicEvent {
  return {
    id: e.eventId,
    type: e.type,
    occurredAt: e.occurredAt,
    aggregate: { type: e.aggregateType, id: e.aggregateId, version: e.aggregateVersion },
    data: e.data as Record<string, unknown>,
    correlationId: e.correlationId,
  };
}
