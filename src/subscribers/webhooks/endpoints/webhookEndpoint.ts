import { randomBytes } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { WebhookEndpointsTable } from '../../../db/tables/webhookTables.ts';
import { SECRET_PREFIX } from '../../../values/webhookSecret.ts';
import { safeUrl } from '../../postJson.ts';
import type { Executor } from '../../../db/connect.ts';
import { registerSubscriptions } from '../../../bus/contract/subscriptions.ts';
import { EVENT_TYPE_NAMES, type EventType } from '../../../events/eventTypes.ts';

export type EndpointRow = Selectable<WebhookEndpointsTable>;

/** An endpoint as the API shows it: never its secret. */
export type WebhookEndpoint = {
  id: string;
  url: string;
  eventTypes: string[] | '*';
  description: string;
  enabled: boolean;
  /** Why accrue disabled it (continuous failure), or null. */
  disabledReason: string | null;
  /** Since when every delivery has failed, or null while it is healthy. */
  failingSince: string | null;
  /** Set while a rotated-out secret still signs (both signatures are sent until then). */
  previousSecretExpiresAt: string | null;
  fromConfig: boolean;
  createdAt: string;
  updatedAt: string;
};

export function toEndpoint(row: EndpointRow, now: Date): WebhookEndpoint {
  const overlap = row.previous_secret_expires_at && row.previous_secret_expires_at > now ? row.previous_secret_expires_at.toISOString() : null;
  return {
    id: row.id,
    url: row.url,
    eventTypes: row.event_types ?? '*',
    description: row.description,
    enabled: row.enabled,
    disabledReason: row.disabled_reason,
    failingSince: row.failing_since?.toISOString() ?? null,
    previousSecretExpiresAt: overlap,
    fromConfig: row.from_config,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** A fresh signing secret in the Standard Webhooks form: whsec_ + base64 of 32 random bytes. */
export function newSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

/** The secrets that sign a delivery at `now`: the current one, and the previous one while its overlap lasts. */
export function signingSecrets(row: Pick<EndpointRow, 'secret' | 'previous_secret' | 'previous_secret_expires_at'>, now: Date): string[] {
  const previous = row.previous_secret && row.previous_secret_expires_at && row.previous_secret_expires_at > now ? [row.previous_secret] : [];
  return [row.secret, ...previous];
}

/** '*' or a list -> the column (null = every type). */
export function eventTypesColumn(types: readonly string[] | '*'): string[] | null {
  return types === '*' ? null : [...new Set(types)];
}

/** Whether an endpoint with this filter takes an event of `type`. */
export function takesEventType(eventTypes: readonly string[] | null, type: string): boolean {
  return eventTypes === null || eventTypes.includes(type);
}

/** The URL as events and logs carry it: without credentials or query (they may hold tokens). */
export const redactUrl = safeUrl;

/**
 * Routes the event types an endpoint takes to the webhooks subscriber (the
 * subscriptions table every relay reads), in the caller's transaction: with no
 * endpoint registered, events make no webhooks job at all. Only adds, as every
 * subscription does: a type no endpoint takes any more still makes a job, whose
 * fan-out finds no endpoint.
 */
export async function subscribeEndpointTypes(db: Executor, eventTypes: readonly string[] | null): Promise<void> {
  const types = (eventTypes ?? EVENT_TYPE_NAMES) as readonly EventType[];
  await registerSubscriptions(db, [{ name: 'webhooks', eventTypes: types }]);
}
