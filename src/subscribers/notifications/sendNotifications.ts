import type { Subscriber } from '../../bus/subscriber.ts';
import type { NotificationChannel } from './notificationChannel.ts';
import { loadInvoiceFacts } from './loadInvoiceFacts.ts';
import { NOTIFIED_EVENT_TYPES, renderNotification } from './renderNotification.ts';

/**
 * Renders reminders, overdue notices and receipts and delivers them through one
 * channel. The delivery row is claimed first, in the job's transaction: a second
 * delivery of the event (or a replay, or a rebuild) finds it and sends nothing, and
 * a concurrent duplicate waits on the row lock; a failed send rolls the claim back
 * and the worker retries. Notices are side effects, not state: there is no reset,
 * so a rebuild never sends them twice. Imported events notify nobody unless
 * ACCRUE_NOTIFY_IMPORTED: the system that sent them has already told its customers.
 */
export function createNotificationsSubscriber(channel: NotificationChannel, options: { notifyImported?: boolean } = {}): Subscriber {
  return {
    name: 'notifications',
    eventTypes: NOTIFIED_EVENT_TYPES,
    external: channel.external,
    async handle(event, { db, log, now }) {
      if (event.source === 'import' && !options.notifyImported) return;
      const message = renderNotification(event, await loadInvoiceFacts(db, event.aggregateId));
      if (!message) return;
      const claimed = await db
        .insertInto('notification_deliveries')
        .values({
          event_id: message.eventId,
          invoice_id: message.invoiceId,
          kind: message.kind,
          channel: channel.name,
          recipient: message.to,
          subject: message.subject,
          body: message.body,
          recorded_at: now,
        })
        .onConflict((oc) => oc.column('event_id').doNothing())
        .returning('event_id')
        .executeTakeFirst();
      if (!claimed) return;
      await channel.deliver(message, { now, log });
    },
  };
}
