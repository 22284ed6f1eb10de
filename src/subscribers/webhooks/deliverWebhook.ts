import { sql } from 'kysely';
import type { Executor } from '../../db/connect.ts';
import type { WorkQueueContext } from '../../bus/contract/subscriber.ts';
import type { CircuitBreaker } from '../../bus/breaker/circuitBreaker.ts';
import { BreakerOpenError } from '../../bus/breaker/breakerOpenError.ts';
import { joinEventById, toStoredEvent } from '../../events/appendEvents.ts';
import { readStoredEvent } from '../../events/envelope.ts';
import { toPublicEvent } from '../../events/publicEvent.ts';
import { DeliveryFailedError } from '../postJson.ts';
import { DELIVERY_QUEUE, deliveryJobSchema, deliveryJobs } from './fanOutDeliveries.ts';
import { sendWebhook, type AttemptResult } from './sendWebhook.ts';
import { SIGNATURE_HEADER, signWebhookBody, standardWebhookHeaders } from './signWebhook.ts';
import { signingSecrets } from './endpoints/webhookEndpoint.ts';
import { recordAttempt } from './recordAttempt.ts';
import type { ResolveHost } from './checkWebhookUrl.ts';

export type DeliveryOptions = {
  timeoutMs: number;
  /** Seconds before each retry (ACCRUE_WEBHOOK_RETRY_SCHEDULE): attempt n+1 waits retrySchedule[n-1]; past its end the delivery fails. */
  retrySchedule: readonly number[];
  /** Continuous failure after which the endpoint is disabled (ACCRUE_WEBHOOK_DISABLE_AFTER, ms). */
  disableAfterMs: number;
  allowPrivate: boolean;
  /** The endpoint's circuit breaker (state shared by every worker, outside any job transaction). */
  breaker(endpointId: string): CircuitBreaker;
  resolve?: ResolveHost;
};

type Claimed = {
  endpoint_id: string;
  url: string;
  usable: boolean;
  from_config: boolean;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
} & Parameters<typeof toStoredEvent>[0];

/**
 * Sends one attempt of one delivery. No transaction is held while the request is out
 * (a slow endpoint costs a worker slot, not a database connection or a transaction
 * id the event feed would wait behind):
 *   1. claim: pending at attempts = attempt-1 -> sending (a lease of twice the timeout);
 *      a job for an attempt already made, or in flight, claims nothing and ends;
 *   2. POST through the endpoint's circuit breaker (open: put back, try again when it may probe);
 *   3. record the attempt, the outcome and the next job (recordAttempt) in one transaction.
 * A worker that dies between 1 and 3 leaves the claim to lapse; pg-boss's retry of the
 * job claims it again after the lease and sends again (same webhook-id: receivers dedupe).
 */
export async function deliverWebhook(rawJob: { data: unknown }, ctx: WorkQueueContext, options: DeliveryOptions): Promise<void> {
  const parsed = deliveryJobSchema.safeParse(rawJob.data);
  if (!parsed.success) {
    ctx.log.error({ data: rawJob.data }, 'webhook delivery job without a delivery: dropped');
    return;
  }
  const { deliveryId, attempt } = parsed.data;
  const claimedAt = ctx.now();
  const leaseUntil = new Date(claimedAt.getTime() + 2 * options.timeoutMs + 5000);
  const { rows } = await sql<Claimed>`
    WITH claimed AS (
      UPDATE webhook_endpoint_deliveries d SET status = 'sending', attempts = ${attempt}, lease_until = ${leaseUntil}, updated_at = ${claimedAt}
       WHERE d.id = ${deliveryId}
         AND ((d.status = 'pending' AND d.attempts = ${attempt - 1}) OR (d.status = 'sending' AND d.attempts = ${attempt} AND d.lease_until < ${claimedAt}))
      RETURNING d.endpoint_id, d.event_id)
    SELECT c.endpoint_id, ep.url, (ep.enabled AND ep.deleted_at IS NULL) AS usable, ep.from_config, ep.secret, ep.previous_secret, ep.previous_secret_expires_at, e.*
      FROM claimed c JOIN webhook_endpoints ep ON ep.id = c.endpoint_id
      ${joinEventById(sql.ref('c.event_id'), 'e')}`.execute(ctx.db);
  const claim = rows[0];
  if (!claim) {
    // Made, or reopened with another attempt number: that job sends it. In flight under a
    // live lease (a duplicate job, or pg-boss retrying this one after it threw mid-attempt):
    // look again once the lease has ended, or a lapsed claim would never be taken up.
    const held = await ctx.db.selectFrom('webhook_endpoint_deliveries').select(['endpoint_id', 'lease_until']).where('id', '=', deliveryId)
      .where('status', '=', 'sending').where('attempts', '=', attempt).executeTakeFirst();
    if (held?.lease_until) {
      const wait = Math.max(1, Math.ceil((held.lease_until.getTime() - claimedAt.getTime()) / 1000) + 1);
      await ctx.enqueue(ctx.db, DELIVERY_QUEUE, deliveryJobs([{ id: deliveryId, endpoint_id: held.endpoint_id, attempts: attempt - 1 }], wait));
    }
    return;
  }
  const release = (db: Executor, set: { status: 'pending' | 'failed'; last_error?: string }) =>
    db
      .updateTable('webhook_endpoint_deliveries')
      .set({ ...set, attempts: attempt - 1, lease_until: null, updated_at: ctx.now() })
      .where('id', '=', deliveryId)
      .where('status', '=', 'sending')
      .where('attempts', '=', attempt)
      .execute();
  if (!claim.usable) {
    await release(ctx.db, { status: 'failed', last_error: 'endpoint disabled or deleted before this attempt; retry it once the endpoint is enabled' });
    return;
  }

  const event = readStoredEvent(toStoredEvent(claim));
  const body = JSON.stringify(toPublicEvent(event));
  const sentAt = ctx.now();
  const headers: Record<string, string> = {
    ...standardWebhookHeaders(event.eventId, body, signingSecrets(claim, sentAt), sentAt),
    'idempotency-key': event.eventId,
    'x-accrue-event-type': event.type,
  };
  // The endpoint ACCRUE_WEBHOOK_URL made keeps the deprecated header its receivers may check (docs/subscribers.md).
  if (claim.from_config) headers[SIGNATURE_HEADER] = signWebhookBody(body, claim.secret);

  let result: AttemptResult;
  try {
    result = await options.breaker(claim.endpoint_id).run(sentAt, async () => {
      // The operator's own ACCRUE_WEBHOOK_URL is trusted as configured (it may well be internal);
      // the address check guards against URLs that API callers register.
      const allowPrivate = options.allowPrivate || claim.from_config;
      const r = await sendWebhook(claim.url, body, headers, { timeoutMs: options.timeoutMs, allowPrivate, resolve: options.resolve });
      if (!r.ok) throw Object.assign(new DeliveryFailedError(r.error ?? 'failed', r.statusCode), { attempt: r });
      return r;
    });
  } catch (err) {
    if (err instanceof BreakerOpenError) {
      // Nothing was sent: not an attempt. Back to pending, and again when the breaker lets a probe through.
      await ctx.db.transaction().execute(async (tx) => {
        await release(tx, { status: 'pending' });
        await ctx.enqueue(tx, DELIVERY_QUEUE, deliveryJobs([{ id: deliveryId, endpoint_id: claim.endpoint_id, attempts: attempt - 1 }], Math.ceil(err.retryAfterMs / 1000)));
      });
      return;
    }
    const failed = (err as { attempt?: AttemptResult }).attempt;
    if (!failed) throw err; // the breaker's own bookkeeping failed: pg-boss retries the job, the lease lapses
    result = failed;
  }
  await recordAttempt(ctx, { deliveryId, attempt, endpointId: claim.endpoint_id, url: claim.url, startedAt: sentAt, result }, options);
}
