import { z } from 'zod';
import { safeText } from '../primitives.ts';

// Webhook endpoint changes (aggregate 'webhook_endpoint', id = the endpoint id): who
// registered, changed, rotated, disabled or deleted an endpoint, and who asked for a
// delivery to be sent again, kept as events so the audit trail has them with their
// actor. Never a secret in here, and the URL without credentials or query (they may
// carry tokens).

const endpointId = z.uuid();
const redactedUrl = z.string().max(2048);
/** A list of event types, or '*' for every type. */
const eventTypeFilter = z.union([z.literal('*'), z.array(z.string().min(1).max(200)).min(1).max(200)]);

export const WebhookEndpointCreated = z
  .object({ endpointId, url: redactedUrl, eventTypes: eventTypeFilter, description: safeText(500), enabled: z.boolean(), fromConfig: z.boolean().optional() })
  .strict();

/** Only the fields that changed. */
export const WebhookEndpointUpdated = z
  .object({
    endpointId,
    url: redactedUrl.optional(),
    eventTypes: eventTypeFilter.optional(),
    description: safeText(500).optional(),
    enabled: z.boolean().optional(),
    secretChanged: z.boolean().optional(),
  })
  .strict();

export const WebhookEndpointDeleted = z.object({ endpointId }).strict();

/** The previous secret still signs until previousSecretExpiresAt (both signatures are sent). */
export const WebhookEndpointSecretRotated = z.object({ endpointId, previousSecretExpiresAt: z.iso.datetime() }).strict();

/** Disabled by accrue after failing without a break for ACCRUE_WEBHOOK_DISABLE_AFTER. */
export const WebhookEndpointDisabled = z
  .object({ endpointId, url: redactedUrl, failingSince: z.iso.datetime(), reason: safeText(1000) })
  .strict();

/** POST /v1/webhook-deliveries/{id}/retry: the webhooks subscriber sends it again. */
export const WebhookDeliveryRetried = z.object({ endpointId, deliveryId: z.uuid(), eventId: z.uuid() }).strict();

/** POST /v1/webhook-endpoints/{id}/replay: the events recorded in [since, until) of these types, sent again. */
export const WebhookReplayRequested = z
  .object({ endpointId, since: z.iso.datetime(), until: z.iso.datetime(), eventTypes: eventTypeFilter })
  .strict();
