/**
 * The subject an event is published on: `<prefix>.<aggregateType>.<eventType>`, e.g.
 * accrue.events.invoice.InvoiceIssued, so a consumer subscribes to what it needs
 * (`accrue.events.invoice.>`, `accrue.events.*.InvoicePaid`). A subject token may not
 * hold `.`, `*`, `>` or whitespace; accrue's names never do, and anything else that
 * would is replaced by `_` rather than publishing on a wildcard.
 */
export function natsSubject(prefix: string, aggregateType: string, eventType: string): string {
  return `${prefix}.${token(aggregateType)}.${token(eventType)}`;
}

function token(name: string): string {
  const t = name.replace(/[.*>\s]/g, '_');
  return t.length > 0 ? t : '_';
}

/** What the forwarder's stream captures: everything under the prefix. */
export function streamSubjects(prefix: string): string[] {
  return [`${prefix}.>`];
}
