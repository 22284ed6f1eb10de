import { sql } from 'kysely';
import type { WorkQueueContext } from '../../bus/contract/subscriber.ts';
import { appendEvents } from '../../events/appendEvents.ts';
import { DELIVERY_QUEUE, deliveryJobs } from './fanOutDeliveries.ts';
import type { AttemptResult } from './sendWebhook.ts';
import { dueForDisabling, nextStep } from './nextAttempt.ts';
import { todayUtc } from '../../values/dates.ts';
import { redactUrl } from './endpoints/webhookEndpoint.ts';

export type Attempt = { deliveryId: string; attempt: number; endpointId: string; url: string; startedAt: Date; result: AttemptResult };

/**
 * Records one attempt and what follows, in one transaction: the attempt row (status,
 * latency, first KiB of the answer), the delivery's new state, the next attempt's job
 * when the schedule has one, and the endpoint's health. A success ends the endpoint's
 * failure streak; a failure starts it or, once it has lasted disableAfterMs, disables
 * the endpoint with a WebhookEndpointDisabled event (the audit trail, the feed, and
 * every other endpoint that takes it hear of it) and a warning in the log.
 */
export async function recordAttempt(ctx: WorkQueueContext, a: Attempt, options: { retrySchedule: readonly number[]; disableAfterMs: number }): Promise<void> {
  const { result } = a;
  const now = ctx.now();
  const step = nextStep(a.attempt, result.ok, options.retrySchedule);
  const attemptRow = {
    started_at: a.startedAt,
    status_code: result.statusCode,
    latency_ms: result.latencyMs,
    response_body: result.responseBody,
    error: result.error?.slice(0, 1000) ?? null,
  };
  // The common case in one statement (one round trip, no BEGIN/COMMIT): the attempt, the
  // delivery succeeded (if this claim still holds it), the endpoint's streak ended.
  if (step.status === 'succeeded') {
    await sql`
      WITH delivery AS (
        UPDATE webhook_endpoint_deliveries SET status = 'succeeded', lease_until = NULL, next_attempt_at = NULL,
               last_status_code = ${result.statusCode}, last_error = NULL, updated_at = ${now}
         WHERE id = ${a.deliveryId} AND status = 'sending' AND attempts = ${a.attempt}
        RETURNING id),
      attempt AS (
        INSERT INTO webhook_delivery_attempts (delivery_id, attempt, started_at, status_code, latency_ms, response_body, error)
        SELECT id, ${a.attempt}, ${a.startedAt}, ${result.statusCode}, ${result.latencyMs}, ${result.responseBody}, NULL FROM delivery
        ON CONFLICT (delivery_id, attempt) DO UPDATE SET started_at = EXCLUDED.started_at, status_code = EXCLUDED.status_code,
           latency_ms = EXCLUDED.latency_ms, response_body = EXCLUDED.response_body, error = NULL)
      UPDATE webhook_endpoints SET failing_since = NULL WHERE id = ${a.endpointId} AND failing_since IS NOT NULL AND EXISTS (SELECT 1 FROM delivery)`.execute(ctx.db);
    return;
  }
  await ctx.db.transaction().execute(async (tx) => {
    await tx
      .insertInto('webhook_delivery_attempts')
      .values({ delivery_id: a.deliveryId, attempt: a.attempt, ...attemptRow })
      .onConflict((oc) => oc.columns(['delivery_id', 'attempt']).doUpdateSet(attemptRow))
      .execute();
    const updated = await tx
      .updateTable('webhook_endpoint_deliveries')
      .set({
        status: step.status,
        lease_until: null,
        next_attempt_at: step.status === 'pending' ? new Date(now.getTime() + step.retryInSeconds * 1000) : null,
        last_status_code: result.statusCode,
        last_error: attemptRow.error,
        updated_at: now,
      })
      .where('id', '=', a.deliveryId)
      .where('status', '=', 'sending')
      .where('attempts', '=', a.attempt)
      .returning('id')
      .executeTakeFirst();
    // Lost the claim (it lapsed and another worker took the attempt): that worker records it.
    if (!updated) return;
    if (step.status === 'pending') {
      await ctx.enqueue(tx, DELIVERY_QUEUE, deliveryJobs([{ id: a.deliveryId, endpoint_id: a.endpointId, attempts: a.attempt }], step.retryInSeconds));
    }
    const { rows } = await sql<{ failing_since: Date; enabled: boolean }>`
      UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, ${a.startedAt}) WHERE id = ${a.endpointId}
      RETURNING failing_since, enabled AND deleted_at IS NULL AS enabled`.execute(tx);
    const endpoint = rows[0];
    if (!endpoint?.enabled || !dueForDisabling(endpoint.failing_since, now, options.disableAfterMs)) return;
    const reason = `every delivery failed since ${endpoint.failing_since.toISOString()} (last: ${attemptRow.error ?? 'failed'})`.slice(0, 1000);
    await tx.updateTable('webhook_endpoints').set({ enabled: false, disabled_reason: reason, updated_at: now }).where('id', '=', a.endpointId).execute();
    await appendEvents(tx, [{
      type: 'WebhookEndpointDisabled',
      aggregateId: a.endpointId,
      occurredAt: todayUtc(now),
      source: 'webhooks',
      data: { endpointId: a.endpointId, url: redactUrl(a.url), failingSince: endpoint.failing_since.toISOString(), reason },
    }], { correlationId: a.deliveryId, actor: 'system:webhooks' });
    ctx.log.warn({ endpointId: a.endpointId, url: redactUrl(a.url), failingSince: endpoint.failing_since }, 'webhook endpoint disabled after failing continuously');
  });
}
