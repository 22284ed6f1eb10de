import type { Selectable } from 'kysely';
import type { LedgerEntriesTable } from '../../db/tables/ledgerTables.ts';
import { fromAccountColumns } from '../../subscribers/revenue/accountColumns.ts';
import { ACCOUNTS } from '../../subscribers/revenue/accounts.ts';
import type { AuditAttempt, AuditEvent, AuditLedgerEntry, AuditRevenueEvent, InvoiceAudit } from './invoiceAuditSchema.ts';

export type HistoryRow = {
  position: number;
  event_id: string;
  type: string;
  kind: AuditEvent['kind'];
  occurred_at: string;
  recorded_at: Date;
  actor: string;
  actor_name: string | null;
  source: string;
  external_id: string | null;
  correlation_id: string;
  causation_id: string | null;
  causation_type: string | null;
  data: Record<string, unknown>;
};

export type AttemptRow = {
  event_id: string;
  subscriber: string;
  queue: string;
  outcome: AuditAttempt['outcome'];
  attempt: number | null;
  job_id: string | null;
  started_at: Date | null;
  finished_at: Date | null;
  error_message: string | null;
  replay_count: number | null;
};

export type EntryRow = Selectable<LedgerEntriesTable>;

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

/**
 * Arranges the rows into the chain: each invoice or payment event with its attempts,
 * the ledger entries it caused (ledger_entries.event_id) and the revenue events it
 * caused (causationId); entries no event caused (recognition runs) come apart.
 * Pure: the same rows give the same audit.
 */
export function buildInvoiceAudit(invoiceId: string, history: readonly HistoryRow[], attempts: readonly AttemptRow[], entries: readonly EntryRow[]): InvoiceAudit {
  const attemptsOf = groupBy(attempts.map((a) => [a.event_id, toAttempt(a)] as const));
  const events = history.map(toEvent);
  const revenue = history.filter((r) => r.kind === 'revenue').map((r) => toRevenueEvent(r, attemptsOf.get(r.event_id) ?? []));
  const revenueByCause = groupBy(revenue.map((r) => [r.causationId ?? '', r] as const));
  const revenueByEntry = groupBy(revenue.filter((r) => r.entryId !== null).map((r) => [r.entryId!, r] as const));
  const entriesOf = groupBy(entries.filter((e) => e.event_id !== null).map((e) => [e.event_id!, toEntry(e)] as const));

  const chain = events
    .filter((e) => e.kind !== 'revenue')
    .map((event) => ({
      event,
      attempts: attemptsOf.get(event.eventId) ?? [],
      ledgerEntries: entriesOf.get(event.eventId) ?? [],
      revenueEvents: revenueByCause.get(event.eventId) ?? [],
    }));
  const otherLedgerEntries = entries
    .filter((e) => e.event_id === null)
    .map((e) => ({ entry: toEntry(e), revenueEvents: revenueByEntry.get(e.entry_id) ?? [] }));
  return { invoiceId, events, chain, otherLedgerEntries };
}

function toEvent(r: HistoryRow): AuditEvent {
  return {
    position: r.position,
    eventId: r.event_id,
    type: r.type,
    kind: r.kind,
    occurredAt: r.occurred_at,
    recordedAt: r.recorded_at.toISOString(),
    actor: r.actor,
    actorName: r.actor_name,
    source: r.source,
    externalId: r.external_id,
    correlationId: r.correlation_id,
    causationId: r.causation_id,
    causationType: r.causation_type,
    data: r.data,
  };
}

function toAttempt(a: AttemptRow): AuditAttempt {
  return {
    subscriber: a.subscriber,
    queue: a.queue,
    outcome: a.outcome,
    attempt: a.attempt,
    jobId: a.job_id,
    startedAt: iso(a.started_at),
    finishedAt: iso(a.finished_at),
    error: a.error_message,
    replayCount: a.replay_count,
  };
}

function toEntry(e: EntryRow): AuditLedgerEntry {
  const lines: Record<string, number> = {};
  const movement = fromAccountColumns(e);
  for (const a of ACCOUNTS) if (movement[a] !== 0) lines[a] = movement[a];
  return {
    entryId: e.entry_id,
    kind: e.kind,
    currency: e.currency,
    entryDate: e.entry_date,
    originDate: e.origin_date,
    period: e.period,
    lineId: e.line_id,
    paymentId: e.payment_id,
    note: e.note,
    recordedAt: e.recorded_at.toISOString(),
    lines,
  };
}

function toRevenueEvent(r: HistoryRow, attempts: AuditAttempt[]): AuditRevenueEvent {
  const d = r.data as { amount: number; currency: string; postedOn: string; entryId?: string };
  return {
    eventId: r.event_id,
    type: r.type,
    amount: d.amount,
    currency: d.currency,
    postedOn: d.postedOn,
    entryId: d.entryId !== undefined ? Number(d.entryId) : null,
    causationId: r.causation_id,
    correlationId: r.correlation_id,
    actor: r.actor,
    recordedAt: r.recorded_at.toISOString(),
    attempts,
  };
}

function groupBy<K, V>(pairs: readonly (readonly [K, V])[]): Map<K, V[]> {
  const map = new Map<K, V[]>();
  for (const [k, v] of pairs) map.set(k, [...(map.get(k) ?? []), v]);
  return map;
}
