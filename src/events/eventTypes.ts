import type { z } from 'zod';
import * as invoice from './schemas/invoiceEvents.ts';
import * as other from './schemas/otherEvents.ts';
import * as operator from './schemas/operatorEvents.ts';
import * as webhook from './schemas/webhookEvents.ts';

/**
 * The published contract: every event type, the aggregate it belongs to, its
 * current schema version and the zod schema of its `data`. Payloads are validated
 * against it when written and again when a subscriber reads them.
 */
export const eventTypes = {
  InvoiceCreated: { aggregateType: 'invoice', schemaVersion: 1, data: invoice.InvoiceCreated },
  InvoiceUpdated: { aggregateType: 'invoice', schemaVersion: 1, data: invoice.InvoiceUpdated },
  InvoicePaid: { aggregateType: 'invoice', schemaVersion: 1, data: invoice.InvoicePaid },
  InvoiceVoided: { aggregateType: 'invoice', schemaVersion: 1, data: invoice.InvoiceVoided },
  InvoiceDeleted: { aggregateType: 'invoice', schemaVersion: 1, data: invoice.InvoiceDeleted },
  InvoicePaymentReceived: { aggregateType: 'invoice', schemaVersion: 1, data: invoice.InvoicePaymentReceived },
  InvoiceReminderSent: { aggregateType: 'invoice', schemaVersion: 1, data: invoice.InvoiceReminderSent },
  InvoiceOverdue: { aggregateType: 'invoice', schemaVersion: 1, data: invoice.InvoiceOverdue },
  CustomerCreated: { aggregateType: 'customer', schemaVersion: 1, data: other.CustomerCreated },
  CustomerUpdated: { aggregateType: 'customer', schemaVersion: 1, data: other.CustomerUpdated },
  PaymentReceived: { aggregateType: 'payment', schemaVersion: 1, data: other.PaymentReceived },
  PaymentRefunded: { aggregateType: 'payment', schemaVersion: 1, data: other.PaymentRefunded },
  PeriodClosed: { aggregateType: 'period', schemaVersion: 1, data: other.PeriodClosed },
  RevenueDeferred: { aggregateType: 'invoice', schemaVersion: 1, data: other.RevenueDeferred },
  RevenueRecognized: { aggregateType: 'invoice', schemaVersion: 1, data: other.RevenueRecognized },
  RevenueAdjusted: { aggregateType: 'invoice', schemaVersion: 1, data: other.RevenueAdjusted },
  RevenueReversed: { aggregateType: 'invoice', schemaVersion: 1, data: other.RevenueReversed },
  ApiKeyCreated: { aggregateType: 'operator', schemaVersion: 1, data: operator.ApiKeyCreated },
  ArchiveReplayed: { aggregateType: 'operator', schemaVersion: 1, data: operator.ArchiveReplayed },
  ApiKeyRevoked: { aggregateType: 'operator', schemaVersion: 1, data: operator.ApiKeyRevoked },
  WebhookEndpointCreated: { aggregateType: 'webhook_endpoint', schemaVersion: 1, data: webhook.WebhookEndpointCreated },
  WebhookEndpointUpdated: { aggregateType: 'webhook_endpoint', schemaVersion: 1, data: webhook.WebhookEndpointUpdated },
  WebhookEndpointDeleted: { aggregateType: 'webhook_endpoint', schemaVersion: 1, data: webhook.WebhookEndpointDeleted },
  WebhookEndpointSecretRotated: { aggregateType: 'webhook_endpoint', schemaVersion: 1, data: webhook.WebhookEndpointSecretRotated },
  WebhookEndpointDisabled: { aggregateType: 'webhook_endpoint', schemaVersion: 1, data: webhook.WebhookEndpointDisabled },
  WebhookDeliveryRetried: { aggregateType: 'webhook_endpoint', schemaVersion: 1, data: webhook.WebhookDeliveryRetried },
  WebhookReplayRequested: { aggregateType: 'webhook_endpoint', schemaVersion: 1, data: webhook.WebhookReplayRequested },
} as const satisfies Record<string, { aggregateType: string; schemaVersion: number; data: z.ZodType }>;

export type EventType = keyof typeof eventTypes;
export type EventData<T extends EventType> = z.output<(typeof eventTypes)[T]['data']>;

export const EVENT_TYPE_NAMES = Object.keys(eventTypes) as EventType[];

export function isEventType(value: string): value is EventType {
  return Object.hasOwn(eventTypes, value);
}

export const INVOICE_EVENT_TYPES = EVENT_TYPE_NAMES.filter(
  (t) => eventTypes[t].aggregateType === 'invoice' && !t.startsWith('Revenue'),
);
export const REVENUE_EVENT_TYPES = ['RevenueDeferred', 'RevenueRecognized', 'RevenueAdjusted', 'RevenueReversed'] as const;

/**
 * Types whose events get an outbox row only when a subscription takes them as they are
 * written (insertEventsCtes in appendEvents.ts has the rule): facts the bus derives
 * itself, written only by the revenue subscriber and the daily recognition run, which
 * nothing takes by default.
 */
export const RELAYED_WHEN_SUBSCRIBED: readonly EventType[] = REVENUE_EVENT_TYPES;

/**
 * The invoice events the revenue books are computed from: the ones that change what
 * is owed, paid or delivered (a reminder or an overdue flag changes no amount).
 */
export const INVOICE_BOOK_EVENT_TYPES = [
  'InvoiceCreated',
  'InvoiceUpdated',
  'InvoicePaymentReceived',
  'InvoicePaid',
  'InvoiceVoided',
  'InvoiceDeleted',
] as const satisfies readonly EventType[];
