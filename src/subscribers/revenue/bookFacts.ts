import type { BookEventType } from './invoiceTimeline.ts';

/**
 * What of an invoice event's data the books read, and all a book keeps of it (in
 * `applied`, `parked` and the event store of the books): the currency and the lines'
 * amounts, kinds, service periods and discount targets (resolveTimeline, netInvoice),
 * a payment's id and amount. The rest (customer, due and issue dates, descriptions,
 * the payment's received day, a void's reason) shapes no entry and stays in the event
 * store (events). Pure; a book written before keeps its full payloads, which read the same.
 */
export function bookFacts(type: BookEventType, data: Record<string, unknown>): Record<string, unknown> {
  switch (type) {
    case 'InvoiceCreated':
    case 'InvoiceUpdated':
      return { currency: data.currency, lines: Array.isArray(data.lines) ? data.lines.map(lineFacts) : data.lines };
    case 'InvoicePaid':
    case 'InvoicePaymentReceived':
      return { paymentId: data.paymentId, amount: data.amount };
    case 'InvoiceVoided':
    case 'InvoiceDeleted':
      return {};
  }
}

function lineFacts(line: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { lineId: line.lineId, kind: line.kind, amount: line.amount };
  if (line.servicePeriod !== undefined) out.servicePeriod = line.servicePeriod;
  if (line.appliesToLineId !== undefined) out.appliesToLineId = line.appliesToLineId;
  return out;
}
