import type { Executor } from '../../../db/connect.ts';
import type { Selectable } from 'kysely';
import type { WebhookDeliveryStatus, WebhookEndpointDeliveriesTable } from '../../../db/tables/webhookTables.ts';
import { NotFoundError, UnprocessableError } from '../../../errors.ts';
import { appendEvents, type EventContext } from '../../../events/appendEvents.ts';
import { todayUtc } from '../../../values/dates.ts';
import { findEndpointRow } from './manageEndpoints.ts';

export type DeliveryAttempt = { attempt: number; startedAt: string; statusCode: number | null; latencyMs: number; responseBody: string | null; error: string | null };
export type WebhookDelivery = {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  status: WebhookDeliveryStatus;
  attempts: DeliveryAttempt[];
  nextAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
};
export type DeliveryFilter = { status?: WebhookDeliveryStatus; eventType?: string; since?: Date; until?: Date; after?: string; limit: number };

/** One endpoint's deliveries, newest first, each with its attempts; `nextCursor` (a delivery id) pages on, null at the end. */
export async function listDeliveries(db: Executor, endpointId: string, filter: DeliveryFilter): Promise<{ data: WebhookDelivery[]; nextCursor: string | null }> {
  const endpoint = await db.selectFrom('webhook_endpoints').select('id').where('id', '=', endpointId).executeTakeFirst();
  if (!endpoint) throw new NotFoundError(`no webhook endpoint ${endpointId}`);
  let query = db.selectFrom('webhook_endpoint_deliveries').selectAll().where('endpoint_id', '=', endpointId);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.eventType) query = query.where('event_type', '=', filter.eventType);
  if (filter.since) query = query.where('created_at', '>=', filter.since);
  if (filter.until) query = query.where('created_at', '<', filter.until);
  if (filter.after) query = query.where('id', '<', filter.after);
  const rows = await query.orderBy('id', 'desc').limit(filter.limit + 1).execute();
  const page = rows.slice(0, filter.limit);
  const data = await withAttempts(db, page);
  return { data, nextCursor: rows.length > filter.limit ? page[page.length - 1]!.id : null };
}

export async function findDelivery(db: Executor, id: string): Promise<WebhookDelivery> {
  const row = await db.selectFrom('webhook_endpoint_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError(`no webhook delivery ${id}`);
  return (await withAttempts(db, [row]))[0]!;
}

type DeliveryRow = Selectable<WebhookEndpointDeliveriesTable>;

async function withAttempts(db: Executor, rows: readonly DeliveryRow[]): Promise<WebhookDelivery[]> {
  if (rows.length === 0) return [];
  const attempts = await db
    .selectFrom('webhook_delivery_attempts')
    .selectAll()
    .where('delivery_id', 'in', rows.map((r) => r.id))
    .orderBy('delivery_id')
    .orderBy('attempt')
    .execute();
  const byDelivery = Map.groupBy(attempts, (a) => a.delivery_id);
  return rows.map((r) => ({
    id: r.id,
    endpointId: r.endpoint_id,
    eventId: r.event_id,
    eventType: r.event_type,
    status: r.status,
    attempts: (byDelivery.get(r.id) ?? []).map((a) => ({
      attempt: a.attempt,
      startedAt: a.started_at.toISOString(),
      statusCode: a.status_code,
      latencyMs: a.latency_ms,
      responseBody: a.response_body,
      error: a.error,
    })),
    nextAttemptAt: r.next_attempt_at?.toISOString() ?? null,
    lastStatusCode: r.last_status_code,
    lastError: r.last_error,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  }));
}

/**
 * Asks for one more attempt of a delivery now (WebhookDeliveryRetried; the webhooks
 * subscriber reopens it and queues the attempt), whatever its state, except while an
 * attempt is in flight.
 */
export async function requestRetry(db: Executor, deliveryId: string, ctx: EventContext, now: Date): Promise<WebhookDelivery> {
  const delivery = await findDelivery(db, deliveryId);
  await findEndpointRow(db, delivery.endpointId);
  await appendEvents(db, [{
    type: 'WebhookDeliveryRetried',
    aggregateId: delivery.endpointId,
    occurredAt: todayUtc(now),
    data: { endpointId: delivery.endpointId, deliveryId, eventId: delivery.eventId },
  }], ctx);
  return delivery;
}

/** Most events one replay may send; a larger range is split by the caller (since/until). */
export const MAX_REPLAY_EVENTS = 100_000;

/**
 * Asks for the events recorded in [since, until) that the endpoint takes to be sent
 * again (WebhookReplayRequested), with their own event ids as webhook-id. Returns how
 * many stored events the range holds (before the endpoint's filter).
 */
export async function requestReplay(
  db: Executor,
  endpointId: string,
  range: { since: Date; until: Date; eventTypes: readonly string[] | '*' },
  ctx: EventContext,
  now: Date,
): Promise<{ events: number }> {
  await findEndpointRow(db, endpointId);
  let count = db.selectFrom('events').select((eb) => eb.fn.countAll<string>().as('n')).where('recorded_at', '>=', range.since).where('recorded_at', '<', range.until);
  if (range.eventTypes !== '*') count = count.where('type', 'in', [...range.eventTypes]);
  const events = Number((await count.executeTakeFirstOrThrow()).n);
  if (events > MAX_REPLAY_EVENTS) {
    throw new UnprocessableError(`the range holds ${events} events, more than ${MAX_REPLAY_EVENTS} a replay may send`, [
      { field: 'since', message: `narrow since..until to at most ${MAX_REPLAY_EVENTS} events` },
    ]);
  }
  await appendEvents(db, [{
    type: 'WebhookReplayRequested',
    aggregateId: endpointId,
    occurredAt: todayUtc(now),
    data: { endpointId, since: range.since.toISOString(), until: range.until.toISOString(), eventTypes: range.eventTypes === '*' ? '*' : [...range.eventTypes] },
  }], ctx);
  return { events };
}
