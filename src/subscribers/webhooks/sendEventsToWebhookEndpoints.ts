import type { Subscriber, SubscriberContext } from '../../bus/contract/subscriber.ts';
import type { CircuitBreaker } from '../../bus/breaker/circuitBreaker.ts';
import { InvariantError } from '../../errors.ts';
import type { EventData } from '../../events/eventTypes.ts';
import type { StoredEvent } from '../../events/envelope.ts';
import { createDeliveries, DELIVERY_QUEUE, deliveryJobs, reopenDelivery, replayDeliveries } from './fanOutDeliveries.ts';
import { deliverWebhook, type DeliveryOptions } from './deliverWebhook.ts';
import { ensureConfiguredEndpoint, type ConfiguredEndpoint } from './endpoints/ensureConfiguredEndpoint.ts';

export type WebhooksOptions = Omit<DeliveryOptions, 'breaker'> & {
  breaker(name: string): CircuitBreaker;
  /** Deliveries one worker sends at once, and at most this many to one endpoint across workers. */
  concurrency: number;
  endpointConcurrency: number;
  /** ACCRUE_WEBHOOK_URL and its secret and types: an endpoint row made at start. */
  configured?: ConfiguredEndpoint;
};

/**
 * The webhooks subscriber: sees every event and fans it out into one delivery job
 * per endpoint that takes it (queue webhook-deliveries, grouped by endpoint), in the
 * transaction that records the event in its inbox. It calls nothing outside accrue,
 * so it is cheap and never waits on an endpoint; the delivery jobs do the sending,
 * each on its own retry schedule, so one slow or failing endpoint delays neither
 * another endpoint nor the ledger. It also acts on WebhookDeliveryRetried and
 * WebhookReplayRequested (the API's retry and replay), so those go through the
 * event store like any change.
 */
export function createWebhooksSubscriber(options: WebhooksOptions): Subscriber {
  const breakers = new Map<string, CircuitBreaker>();
  const breaker = (endpointId: string) => {
    let b = breakers.get(endpointId);
    if (!b) breakers.set(endpointId, (b = options.breaker(`webhook-endpoint:${endpointId}`)));
    return b;
  };
  async function handleBatch(events: readonly StoredEvent[], ctx: SubscriberContext): Promise<void> {
    const queued = await createDeliveries(ctx.db, events);
    for (const event of events) {
      if (event.type === 'WebhookDeliveryRetried') queued.push(...(await reopenDelivery(ctx.db, event.data as EventData<'WebhookDeliveryRetried'>, ctx.now)));
      if (event.type === 'WebhookReplayRequested') queued.push(...(await replayDeliveries(ctx.db, event.data as EventData<'WebhookReplayRequested'>, ctx.now)));
    }
    if (queued.length === 0) return;
    if (!ctx.enqueue) throw new InvariantError('webhook deliveries need a worker to enqueue them (SubscriberContext.enqueue)');
    await ctx.enqueue(DELIVERY_QUEUE, deliveryJobs(queued));
  }
  return {
    name: 'webhooks',
    // Always: the API's retry and replay. The types endpoints take are subscribed when an
    // endpoint is registered or changed (subscribeEndpointTypes), so with no endpoint the
    // bus makes no webhooks job per event.
    eventTypes: ['WebhookDeliveryRetried', 'WebhookReplayRequested'],
    handle: (event, ctx) => handleBatch([event], ctx),
    handleBatch,
    queues: [
      {
        name: DELIVERY_QUEUE,
        concurrency: options.concurrency,
        groupConcurrency: options.endpointConcurrency,
        work: (job, ctx) => deliverWebhook(job, ctx, { ...options, breaker }),
      },
    ],
    async prepare(db, now) {
      if (options.configured) await ensureConfiguredEndpoint(db, options.configured, now);
    },
  };
}
