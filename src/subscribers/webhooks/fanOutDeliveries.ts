import { sql } from 'kysely';
import { z } from 'zod';
import type { Executor } from '../../db/connect.ts';
import type { OutgoingJob } from '../../bus/contract/subscriber.ts';
import type { StoredEvent } from '../../events/envelope.ts';
import type { EventData } from '../../events/eventTypes.ts';

/** The pg-boss queue of webhook deliveries: one job per attempt of one (event, endpoint). */
export const DELIVERY_QUEUE = 'webhook-deliveries';

/** A delivery job: send attempt `attempt` (1 = the first) of delivery `deliveryId`. */
export const deliveryJobSchema = z.object({ deliveryId: z.uuid(), attempt: z.number().int().min(1) });
export type DeliveryJob = z.infer<typeof deliveryJobSchema>;

type Queued = { id: string; endpoint_id: string; attempts: number };

export function deliveryJobs(rows: readonly Queued[], startAfterSeconds?: number): OutgoingJob[] {
  return rows.map((r) => ({ data: { deliveryId: r.id, attempt: r.attempts + 1 } satisfies DeliveryJob, group: r.endpoint_id, startAfterSeconds }));
}

/**
 * One delivery row per (event, enabled endpoint whose filter takes it), in one
 * statement for the whole batch. The unique (endpoint, event) makes it idempotent: an
 * event seen again (redelivery, rebuild) finds its rows and queues nothing.
 */
export async function createDeliveries(db: Executor, events: readonly Pick<StoredEvent, 'eventId' | 'type'>[]): Promise<Queued[]> {
  if (events.length === 0) return [];
  const { rows } = await sql<Queued>`
    INSERT INTO webhook_endpoint_deliveries (id, endpoint_id, event_id, event_type)
    SELECT accrue_uuidv7(), ep.id, e.event_id, e.type
      FROM unnest(${events.map((e) => e.eventId)}::uuid[], ${events.map((e) => e.type)}::text[]) WITH ORDINALITY AS e(event_id, type, n)
      JOIN webhook_endpoints ep ON ep.enabled AND ep.deleted_at IS NULL AND (ep.event_types IS NULL OR e.type = ANY (ep.event_types))
     ORDER BY e.n, ep.id
    ON CONFLICT (endpoint_id, event_id) DO NOTHING
    RETURNING id, endpoint_id, attempts`.execute(db);
  return rows;
}

/** WebhookDeliveryRetried: the delivery back to pending (unless an attempt is in flight), for one more attempt now. */
export async function reopenDelivery(db: Executor, data: EventData<'WebhookDeliveryRetried'>, now: Date): Promise<Queued[]> {
  return db
    .updateTable('webhook_endpoint_deliveries')
    .set({ status: 'pending', next_attempt_at: null, updated_at: now })
    .where('id', '=', data.deliveryId)
    .where('status', '<>', 'sending')
    .returning(['id', 'endpoint_id', 'attempts'])
    .execute();
}

/**
 * WebhookReplayRequested: every stored event recorded in [since, until) that the
 * endpoint takes (and the replay's own type filter), delivered again with its own
 * event id as webhook-id; a delivery that exists goes back to pending.
 */
export async function replayDeliveries(db: Executor, data: EventData<'WebhookReplayRequested'>, now: Date): Promise<Queued[]> {
  const types = data.eventTypes === '*' ? null : data.eventTypes;
  const { rows } = await sql<Queued>`
    INSERT INTO webhook_endpoint_deliveries AS d (id, endpoint_id, event_id, event_type)
    SELECT accrue_uuidv7(), ep.id, e.event_id, e.type
      FROM events e
      JOIN webhook_endpoints ep ON ep.id = ${data.endpointId} AND ep.enabled AND ep.deleted_at IS NULL
     WHERE e.recorded_at >= ${data.since}::timestamptz AND e.recorded_at < ${data.until}::timestamptz
       AND (ep.event_types IS NULL OR e.type = ANY (ep.event_types))
       AND (${types}::text[] IS NULL OR e.type = ANY (${types}::text[]))
     ORDER BY e.position
    ON CONFLICT (endpoint_id, event_id) DO UPDATE SET status = 'pending', next_attempt_at = NULL, updated_at = ${now}
     WHERE d.status <> 'sending'
    RETURNING d.id, d.endpoint_id, d.attempts`.execute(db);
  return rows;
}
