import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Config } from '../config.ts';
import type { Database } from '../db/schema.ts';
import { ValidationError } from '../errors.ts';
import type { Subscriber } from '../bus/contract/subscriber.ts';
import { createCircuitBreaker, type CircuitBreaker } from '../bus/breaker/circuitBreaker.ts';
import { INVOICE_EVENT_TYPES, REVENUE_EVENT_TYPES } from '../events/eventTypes.ts';
import { isEndpointFailure } from './postJson.ts';
import { fileChannel, logChannel, webhookChannel, type NotificationChannel } from './notifications/notificationChannel.ts';
import { createNotificationsSubscriber } from './notifications/sendNotifications.ts';
import { analyticsSubscriber } from './analytics/updateInvoiceAnalytics.ts';
import { createWebhooksSubscriber } from './webhooks/sendEventsToWebhookEndpoints.ts';

export type SubscriberDeps = {
  /**
   * Where circuit-breaker state is read and written: outside any job's transaction,
   * ideally its own small pool (connect(url, { max: 2 })); see bus/breaker/circuitBreaker.ts.
   */
  breakerDb: Kysely<Database>;
};

/**
 * The subscribers of this capability (the lead adds revenue): notifications,
 * analytics (with reset, so it can be rebuilt), and webhooks (the endpoints of
 * /v1/webhook-endpoints; ACCRUE_WEBHOOK_URL, when set, is one of them). Notifications and webhooks have no reset: they are deliveries, not state,
 * and a rebuild must not send them again (their delivery tables skip known events).
 */
export function buildSubscribers(config: Config, deps: SubscriberDeps): Subscriber[] {
  const breaker = (name: string) => breakerFor(config, deps.breakerDb, name);
  const subscribers: Subscriber[] = [createNotificationsSubscriber(notificationChannel(config, breaker), { notifyImported: config.ACCRUE_NOTIFY_IMPORTED }), analyticsSubscriber];
  subscribers.push(
    createWebhooksSubscriber({
      timeoutMs: config.ACCRUE_OUTBOUND_TIMEOUT_MS,
      retrySchedule: config.ACCRUE_WEBHOOK_RETRY_SCHEDULE,
      disableAfterMs: config.ACCRUE_WEBHOOK_DISABLE_AFTER * 1000,
      allowPrivate: config.ACCRUE_WEBHOOK_ALLOW_PRIVATE,
      concurrency: config.ACCRUE_WEBHOOK_CONCURRENCY,
      endpointConcurrency: config.ACCRUE_WEBHOOK_ENDPOINT_CONCURRENCY,
      breaker,
      configured:
        config.ACCRUE_WEBHOOK_URL && config.ACCRUE_WEBHOOK_SECRET
          ? { url: config.ACCRUE_WEBHOOK_URL, secret: config.ACCRUE_WEBHOOK_SECRET, eventTypes: config.ACCRUE_WEBHOOK_EVENT_TYPES ?? [...INVOICE_EVENT_TYPES, ...REVENUE_EVENT_TYPES] }
          : undefined,
    }),
  );
  return subscribers;
}

export function notificationChannel(config: Config, breaker: (name: string) => CircuitBreaker): NotificationChannel {
  const kind = config.ACCRUE_NOTIFY_CHANNEL ?? (config.ACCRUE_NOTIFY_WEBHOOK_URL ? 'webhook' : 'file');
  if (kind === 'webhook') {
    if (!config.ACCRUE_NOTIFY_WEBHOOK_URL) {
      throw new ValidationError("ACCRUE_NOTIFY_CHANNEL 'webhook' needs ACCRUE_NOTIFY_WEBHOOK_URL", [
        { field: 'ACCRUE_NOTIFY_WEBHOOK_URL', message: "required when ACCRUE_NOTIFY_CHANNEL is 'webhook'" },
      ]);
    }
    return webhookChannel(config.ACCRUE_NOTIFY_WEBHOOK_URL, config.ACCRUE_OUTBOUND_TIMEOUT_MS, breaker('notifications-webhook'), {
      secret: config.ACCRUE_NOTIFY_WEBHOOK_SECRET,
    });
  }
  if (kind === 'log') return logChannel();
  return fileChannel(config.ACCRUE_NOTIFY_FILE ?? path.join(config.ACCRUE_DATA_DIR, 'notifications.jsonl'));
}

export function breakerFor(config: Config, db: Kysely<Database>, name: string): CircuitBreaker {
  return createCircuitBreaker({
    db,
    name,
    policy: {
      failureThreshold: config.ACCRUE_BREAKER_FAILURES,
      coolDownMs: config.ACCRUE_BREAKER_COOLDOWN_MS,
      // A probe can take at most one timeout; twice that and it is presumed dead.
      probeLeaseMs: 2 * config.ACCRUE_OUTBOUND_TIMEOUT_MS,
    },
    countsAsFailure: isEndpointFailure,
  });
}
