import type { AuditAttempt, AuditEvent, AuditLedgerEntry, AuditRevenueEvent, InvoiceAudit } from './invoiceAuditSchema.ts';

/**
 * The audit as a timeline for a terminal: each invoice or payment event (business
 * date, when stored, who, correlation), then indented what followed from it — the
 * attempts per subscriber, the ledger entries, the revenue events. Pure text, no
 * colours, so it pastes into a ticket.
 */
export function formatInvoiceAudit(audit: InvoiceAudit): string {
  const out: string[] = [];
  const revenueCount = audit.events.filter((e) => e.kind === 'revenue').length;
  const entryCount = audit.chain.reduce((n, l) => n + l.ledgerEntries.length, 0) + audit.otherLedgerEntries.length;
  out.push(`invoice ${audit.invoiceId}: ${audit.chain.length} events, ${entryCount} ledger entries, ${revenueCount} revenue events`);
  for (const link of audit.chain) {
    out.push('', eventLine(link.event));
    const children = [
      ...link.attempts.map(attemptLine),
      ...link.ledgerEntries.map(entryLine),
      ...link.revenueEvents.flatMap(revenueLines),
    ];
    children.forEach((line, i) => out.push(`  ${i === children.length - 1 ? '└' : '├'} ${line}`));
  }
  if (audit.otherLedgerEntries.length > 0) {
    out.push('', 'ledger entries not caused by an event (recognition runs):');
    for (const { entry, revenueEvents } of audit.otherLedgerEntries) {
      out.push(`  ${entryLine(entry)}`, ...revenueEvents.flatMap(revenueLines).map((l) => `    ${l}`));
    }
  }
  return `${out.join('\n')}\n`;
}

function eventLine(e: AuditEvent): string {
  const who = e.actorName ? `${e.actor} (${e.actorName})` : e.actor;
  const imported = e.externalId ? ` external id ${e.externalId}` : '';
  return `${e.occurredAt}  ${e.type}  #${e.position} ${e.eventId}\n  recorded ${e.recordedAt} by ${who} via ${e.source}${imported}; correlation ${e.correlationId}${e.causationId ? `; caused by ${e.causationId}` : ''}`;
}

function attemptLine(a: AuditAttempt): string {
  const n = a.attempt !== null ? ` attempt ${a.attempt}` : '';
  const when = a.finishedAt ?? a.startedAt ?? '';
  const error = a.error ? `: ${oneLine(a.error)}` : '';
  const replays = a.outcome === 'archived' ? ` (replayed ${a.replayCount ?? 0}x)` : '';
  return `${a.subscriber}${n} ${a.outcome} at ${when}${error}${replays}`;
}

function entryLine(e: AuditLedgerEntry): string {
  const lines = Object.entries(e.lines)
    .map(([account, amount]) => `${account} ${amount > 0 ? 'Dr' : 'Cr'} ${Math.abs(amount)}`)
    .join(', ');
  const moved = e.entryDate !== e.originDate ? ` (belongs to ${e.originDate})` : '';
  return `ledger #${e.entryId} ${e.kind} ${e.entryDate}${moved} ${e.currency}: ${lines}${e.note ? ` [${e.note}]` : ''}`;
}

function revenueLines(r: AuditRevenueEvent): string[] {
  const entry = r.entryId !== null ? ` from ledger #${r.entryId}` : '';
  return [
    `${r.type} ${r.amount} ${r.currency} on ${r.postedOn}${entry}  ${r.eventId}`,
    ...r.attempts.map((a) => `  ${attemptLine(a)}`),
  ];
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}
