import { sql } from 'kysely';
import type { Executor } from '../../db/connect.ts';
import { NotFoundError } from '../../errors.ts';
import { buildInvoiceAudit, type AttemptRow, type HistoryRow } from './buildInvoiceAudit.ts';
import type { InvoiceAudit } from './invoiceAuditSchema.ts';

/**
 * One invoice's whole story, read from the audit views of migration 040: its events
 * (audit_invoice_history), every bus attempt on them (audit_event_attempts) and its
 * ledger entries. Three queries, each served by an index on the invoice or event id.
 * Throws NotFoundError when no event names the invoice.
 */
export async function getInvoiceAudit(db: Executor, invoiceId: string): Promise<InvoiceAudit> {
  const history = await sql<HistoryRow>`
    SELECT position, event_id, type, kind, occurred_at, recorded_at, actor, actor_name, source, external_id,
           correlation_id, causation_id, causation_type, data
    FROM audit_invoice_history WHERE invoice_id = ${invoiceId} ORDER BY position`.execute(db);
  if (history.rows.length === 0) throw new NotFoundError(`no events for invoice ${invoiceId}`);

  const eventIds = history.rows.map((r) => r.event_id);
  const [attempts, entries] = await Promise.all([
    sql<AttemptRow>`
      SELECT event_id, subscriber, queue, outcome, attempt, job_id, started_at, finished_at, error_message, replay_count
      FROM audit_event_attempts WHERE event_id = ANY(${eventIds}::uuid[])
      ORDER BY subscriber, COALESCE(finished_at, started_at), outcome = 'applied', record_id`.execute(db),
    db.selectFrom('ledger_entries').selectAll().where('invoice_id', '=', invoiceId).orderBy('entry_id').execute(),
  ]);
  return buildInvoiceAudit(invoiceId, history.rows, attempts.rows, entries);
}
