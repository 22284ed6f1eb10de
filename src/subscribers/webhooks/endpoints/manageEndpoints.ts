import { uuidv7 } from '../../../values/uuidv7.ts';
import type { Executor } from '../../../db/connect.ts';
import { NotFoundError } from '../../../errors.ts';
import { appendEvents, type EventContext } from '../../../events/appendEvents.ts';
import { todayUtc } from '../../../values/dates.ts';
import { eventTypesColumn, newSecret, redactUrl, subscribeEndpointTypes, toEndpoint, type EndpointRow, type WebhookEndpoint } from './webhookEndpoint.ts';

export type EndpointInput = { url: string; eventTypes: readonly string[] | '*'; description: string; enabled: boolean };
export type EndpointChange = Partial<EndpointInput>;

/** How long a rotated-out secret keeps signing by default: a day, as Svix does, for receivers to roll out the new one. */
export const DEFAULT_SECRET_OVERLAP_SECONDS = 24 * 3600;

/** Registers an endpoint (WebhookEndpointCreated) with a fresh secret; the secret is returned here only. */
export async function createEndpoint(db: Executor, input: EndpointInput, ctx: EventContext, now: Date, options: { fromConfig?: boolean; secret?: string } = {}): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  const id = uuidv7();
  const secret = options.secret ?? newSecret();
  const row = await db
    .insertInto('webhook_endpoints')
    .values({
      id,
      url: input.url,
      event_types: eventTypesColumn(input.eventTypes),
      description: input.description,
      enabled: input.enabled,
      secret,
      from_config: options.fromConfig ?? false,
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await subscribeEndpointTypes(db, row.event_types);
  await appendEvents(db, [{
    type: 'WebhookEndpointCreated',
    aggregateId: id,
    occurredAt: todayUtc(now),
    data: { endpointId: id, url: redactUrl(input.url), eventTypes: input.eventTypes === '*' ? '*' : [...new Set(input.eventTypes)], description: input.description, enabled: input.enabled, ...(options.fromConfig ? { fromConfig: true } : {}) },
  }], ctx);
  return { endpoint: toEndpoint(row, now), secret };
}

export async function findEndpointRow(db: Executor, id: string, options: { forUpdate?: boolean } = {}): Promise<EndpointRow> {
  let query = db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).where('deleted_at', 'is', null);
  if (options.forUpdate) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row) throw new NotFoundError(`no webhook endpoint ${id}`);
  return row;
}

export async function listEndpoints(db: Executor, now: Date): Promise<WebhookEndpoint[]> {
  const rows = await db.selectFrom('webhook_endpoints').selectAll().where('deleted_at', 'is', null).orderBy('id').execute();
  return rows.map((r) => toEndpoint(r, now));
}

/**
 * Changes what was given (WebhookEndpointUpdated with only the changed fields; no
 * event when nothing changed). Enabling an endpoint clears why it was disabled and its
 * failure streak, so a fresh period of failures is needed to disable it again.
 */
export async function updateEndpoint(db: Executor, id: string, change: EndpointChange, ctx: EventContext, now: Date): Promise<WebhookEndpoint> {
  const before = await findEndpointRow(db, id, { forUpdate: true });
  const data: Record<string, unknown> = {};
  const set: Record<string, unknown> = {};
  if (change.url !== undefined && change.url !== before.url) {
    set.url = change.url;
    data.url = redactUrl(change.url);
  }
  if (change.eventTypes !== undefined) {
    const column = eventTypesColumn(change.eventTypes);
    if (JSON.stringify(column) !== JSON.stringify(before.event_types)) {
      set.event_types = column;
      data.eventTypes = column ?? '*';
    }
  }
  if (change.description !== undefined && change.description !== before.description) set.description = data.description = change.description;
  if (change.enabled !== undefined && change.enabled !== before.enabled) {
    set.enabled = data.enabled = change.enabled;
    if (change.enabled) Object.assign(set, { disabled_reason: null, failing_since: null });
  }
  if (Object.keys(set).length === 0) return toEndpoint(before, now);
  const row = await db.updateTable('webhook_endpoints').set({ ...set, updated_at: now }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
  if (set.event_types !== undefined) await subscribeEndpointTypes(db, row.event_types);
  await appendEvents(db, [{ type: 'WebhookEndpointUpdated', aggregateId: id, occurredAt: todayUtc(now), data: { endpointId: id, ...data } }], ctx);
  return toEndpoint(row, now);
}

/** Deletes an endpoint (WebhookEndpointDeleted): no more deliveries; its delivery history stays. */
export async function deleteEndpoint(db: Executor, id: string, ctx: EventContext, now: Date): Promise<void> {
  await findEndpointRow(db, id, { forUpdate: true });
  await db.updateTable('webhook_endpoints').set({ deleted_at: now, enabled: false, updated_at: now }).where('id', '=', id).execute();
  await appendEvents(db, [{ type: 'WebhookEndpointDeleted', aggregateId: id, occurredAt: todayUtc(now), data: { endpointId: id } }], ctx);
}

/**
 * A new secret (returned here only); the current one keeps signing beside it for
 * `overlapSeconds` (WebhookEndpointSecretRotated). Rotating again during an overlap
 * ends the older overlap: at most two secrets sign at once.
 */
export async function rotateSecret(db: Executor, id: string, overlapSeconds: number, ctx: EventContext, now: Date): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  const before = await findEndpointRow(db, id, { forUpdate: true });
  const secret = newSecret();
  const expiresAt = new Date(now.getTime() + overlapSeconds * 1000);
  const row = await db
    .updateTable('webhook_endpoints')
    .set({ secret, previous_secret: before.secret, previous_secret_expires_at: expiresAt, updated_at: now })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await appendEvents(db, [{ type: 'WebhookEndpointSecretRotated', aggregateId: id, occurredAt: todayUtc(now), data: { endpointId: id, previousSecretExpiresAt: expiresAt.toISOString() } }], ctx);
  return { endpoint: toEndpoint(row, now), secret };
}
