import { z } from 'zod';
import { EVENT_TYPE_NAMES } from '../../events/eventTypes.ts';
import { instant } from './commonSchemas.ts';

/** '*' (every type, also those added later) or a list of event types. */
export const eventTypesField = z
  .union([z.literal('*'), z.array(z.enum(EVENT_TYPE_NAMES as [string, ...string[]])).min(1).max(EVENT_TYPE_NAMES.length)])
  .meta({ description: "'*' for every event type, or a list such as [\"InvoicePaid\", \"RevenueRecognized\"]" });

export const endpointSchema = z
  .object({
    id: z.uuid(),
    url: z.string(),
    eventTypes: z.union([z.literal('*'), z.array(z.string())]),
    description: z.string(),
    enabled: z.boolean(),
    disabledReason: z.string().nullable().meta({ description: 'why accrue disabled it (continuous failure); null otherwise' }),
    failingSince: instant.nullable().meta({ description: 'since when every delivery has failed; null while healthy' }),
    previousSecretExpiresAt: instant.nullable().meta({ description: 'while a rotated-out secret still signs: until when' }),
    fromConfig: z.boolean().meta({ description: 'made from ACCRUE_WEBHOOK_URL at start' }),
    createdAt: instant,
    updatedAt: instant,
  })
  .meta({ id: 'WebhookEndpoint' });

export const deliveryStatus = z.enum(['pending', 'sending', 'succeeded', 'failed']);

export const attemptSchema = z
  .object({
    attempt: z.number().int(),
    startedAt: instant,
    statusCode: z.number().int().nullable().meta({ description: 'null: no answer (refused, timed out, refused by the address check)' }),
    latencyMs: z.number().int(),
    responseBody: z.string().nullable().meta({ description: 'the first KiB of the answer' }),
    error: z.string().nullable(),
  })
  .meta({ id: 'WebhookDeliveryAttempt' });

export const deliverySchema = z
  .object({
    id: z.uuid(),
    endpointId: z.uuid(),
    eventId: z.uuid().meta({ description: 'the webhook-id header: the same on every attempt, retry and replay' }),
    eventType: z.string(),
    status: deliveryStatus,
    attempts: z.array(attemptSchema),
    nextAttemptAt: instant.nullable(),
    lastStatusCode: z.number().int().nullable(),
    lastError: z.string().nullable(),
    createdAt: instant,
    updatedAt: instant,
  })
  .meta({ id: 'WebhookDelivery' });

export const deliveryPage = z
  .object({ data: z.array(deliverySchema), nextCursor: z.uuid().nullable().meta({ description: 'pass as `cursor` for the next page; null at the end' }) })
  .meta({ id: 'WebhookDeliveryPage' });

export const deliveryListQuery = z.object({
  status: deliveryStatus.optional(),
  eventType: z.enum(EVENT_TYPE_NAMES as [string, ...string[]]).optional(),
  since: z.iso.datetime({ offset: true }).optional().meta({ description: 'deliveries created at or after this instant' }),
  until: z.iso.datetime({ offset: true }).optional().meta({ description: 'and before this one' }),
  cursor: z.uuid().optional().meta({ description: 'a nextCursor' }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
