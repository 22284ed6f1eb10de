import type { StoredEvent } from '../../events/envelope.ts';
import type { EventData } from '../../events/eventTypes.ts';
import { formatAmount } from './formatAmount.ts';

/** What accrue knows about the invoice besides the event (nothing, for an imported invoice it never stored). */
export type InvoiceFacts = {
  customerName: string | null;
  email: string | null;
  currency: string | null;
  total: number | null;
  amountPaid: number | null;
  dueDate: string | null;
};

export type NotificationKind = 'reminder' | 'overdue' | 'receipt' | 'webhook-disabled';

export type NotificationMessage = {
  eventId: string;
  kind: NotificationKind;
  invoiceId: string;
  to: string | null;
  subject: string;
  body: string;
  occurredAt: string;
};

export const NOTIFIED_EVENT_TYPES = ['InvoiceReminderSent', 'InvoiceOverdue', 'InvoicePaid', 'WebhookEndpointDisabled'] as const;

const unknownFacts: InvoiceFacts = { customerName: null, email: null, currency: null, total: null, amountPaid: null, dueDate: null };

/** Renders the notice an event asks for; null for events that need none. Pure. */
export function renderNotification(event: StoredEvent, facts: InvoiceFacts = unknownFacts): NotificationMessage | null {
  const id = event.aggregateId;
  const greeting = facts.customerName ? `Hello ${facts.customerName},` : 'Hello,';
  const base = { eventId: event.eventId, invoiceId: id, to: facts.email, occurredAt: event.occurredAt };
  const money = (n: number) => formatAmount(n, facts.currency);
  const due = facts.total !== null ? facts.total - (facts.amountPaid ?? 0) : null;

  switch (event.type) {
    case 'InvoiceReminderSent': {
      const amount = due !== null ? ` for ${money(due)}` : '';
      const when = facts.dueDate ? `, due on ${facts.dueDate}` : '';
      return {
        ...base,
        kind: 'reminder',
        subject: `Reminder: invoice ${id}${amount}${when}`,
        body: `${greeting}\n\nThis is a reminder that invoice ${id}${amount} is open${when}.\n`,
      };
    }
    case 'InvoiceOverdue': {
      const data = event.data as EventData<'InvoiceOverdue'>;
      return {
        ...base,
        kind: 'overdue',
        subject: `Invoice ${id} is overdue: ${money(data.amountDue)} was due on ${data.dueDate}`,
        body: `${greeting}\n\nInvoice ${id} was due on ${data.dueDate} and ${money(data.amountDue)} is still open. Please arrange payment.\n`,
      };
    }
    case 'InvoicePaid': {
      const data = event.data as EventData<'InvoicePaid'>;
      const on = data.receivedAt ?? event.occurredAt;
      return {
        ...base,
        kind: 'receipt',
        subject: `Receipt: invoice ${id} is paid`,
        body: `${greeting}\n\nWe received ${money(data.amount)} on ${on} (payment ${data.paymentId}). Invoice ${id} is settled. Thank you.\n`,
      };
    }
    case 'WebhookEndpointDisabled': {
      // For the operator (no customer recipient); invoiceId carries the endpoint id.
      const data = event.data as EventData<'WebhookEndpointDisabled'>;
      return {
        ...base,
        to: null,
        kind: 'webhook-disabled',
        subject: `Webhook endpoint ${data.url} was disabled`,
        body:
          `accrue disabled webhook endpoint ${data.endpointId} (${data.url}): ${data.reason}.\n\n` +
          `Deliveries to it stop until it is enabled again: PATCH /v1/webhook-endpoints/${data.endpointId} {"enabled": true}, ` +
          `then retry or replay what it missed.\n`,
      };
    }
    default:
      return null;
  }
}
