import type { StoredEvent } from '../../events/envelope.ts';
import type { IncomingEvent } from './postInvoiceEvent.ts';

/** A stored invoice event as the pure posting code takes it. */
export function incomingOf(event: StoredEvent): IncomingEvent {
  return {
    eventId: event.eventId,
    invoiceId: event.aggregateId,
    type: event.type,
    occurredAt: event.occurredAt,
    version: event.aggregateVersion ?? (event.type === 'InvoiceCreated' ? 1 : null),
    data: event.data as Record<string, unknown>,
  };
}
