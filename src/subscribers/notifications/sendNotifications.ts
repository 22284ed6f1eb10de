import type { Subscriber, SubscriberContext } from '../../bus/contract/subscriber.ts';
import type { StoredEvent } from '../../events/envelope.ts';
import type { NotificationChannel } from './notificationChannel.ts';
import { loadInvoiceFactsOf } from './loadInvoiceFacts.ts';
import { NOTIFIED_EVENT_TYPES, renderNotification, type NotificationMessage } from './renderNotification.ts';
import { claimDeliveries, deliverAll, deliverNotices, deliverPendingNotices } from './deliverNotices.ts';

/**
 * Renders reminders, overdue notices and receipts and delivers them through one
 * channel. The delivery row is claimed first, in the job's transaction: a second
 * delivery of the event (or a replay, or a rebuild) finds it and sends nothing, and
 * a concurrent duplicate waits on the row lock. Notices are side effects, not state:
 * there is no reset, so a rebuild never sends them twice. Imported events notify
 * nobody unless ACCRUE_NOTIFY_IMPORTED: the system that sent them has already told
 * its customers.
 *
 * When the notice is written depends on the channel:
 * - file and log (not external): after the job's transaction commits (ctx.afterCommit).
 *   Written inside it, a batch rolled back and re-applied event by event wrote it
 *   twice. The row is recorded pending and marked delivered by the write; one cut off
 *   by a crash is delivered by the notifications-pending schedule a minute later.
 * - webhook (external): inside the transaction, so a failed POST rolls the claim back
 *   and the worker retries it with backoff behind the breaker; a crash after the 2xx
 *   repeats it with the same Idempotency-Key (the eventId).
 */
export function createNotificationsSubscriber(channel: NotificationChannel, options: { notifyImported?: boolean } = {}): Subscriber {
  // One path for an event and for a worker batch: the facts in one read, the claims in
  // one insert, and (file, log) one after-commit delivery for the batch's notices (the
  // file channel appends them in one write).
  const notify = async (events: readonly StoredEvent[], ctx: SubscriberContext): Promise<void> => {
    const { db, log, now } = ctx;
    const wanted = events.filter((e) => e.source !== 'import' || options.notifyImported);
    if (wanted.length === 0) return;
    const facts = await loadInvoiceFactsOf(db, wanted.map((e) => e.aggregateId));
    const messages = wanted.flatMap((e) => renderNotification(e, facts.get(e.aggregateId)) ?? []);
    if (messages.length === 0) return;
    const deliveredAt = !channel.external && ctx.afterCommit ? null : now;
    const claimed = await claimDeliveries(db, channel.name, messages, now, deliveredAt);
    const fresh: NotificationMessage[] = messages.filter((m) => claimed.has(m.eventId));
    if (fresh.length === 0) return;
    if (deliveredAt) {
      await deliverAll(channel, fresh, { now, log });
      return;
    }
    ctx.afterCommit!((pool, at) => deliverNotices(pool, channel, fresh, { now: at, log }));
  };
  return {
    name: 'notifications',
    eventTypes: NOTIFIED_EVENT_TYPES,
    external: channel.external,
    handle: (event, ctx) => notify([event], ctx),
    handleBatch: notify,
    schedules: [
      {
        name: 'notifications-pending',
        cron: '* * * * *',
        run: ({ db, log, now }) => deliverPendingNotices(db, channel, { now, log }).then(() => {}),
      },
    ],
  };
}
