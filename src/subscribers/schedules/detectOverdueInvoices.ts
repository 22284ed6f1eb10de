import { sql, type Transaction } from 'kysely';
import type { Db } from '../../db/connect.ts';
import type { Database } from '../../db/schema.ts';
import { appendEvents } from '../../events/appendEvents.ts';

export type OverdueDetectionResult = { detected: number; batches: number };

// Each batch is one short transaction: 500 invoices is ~20 ms of writes, so a large
// backlog never holds locks for long and a crash loses at most one batch of work
// (which the next run redoes).
const BATCH_SIZE = 500;

/**
 * Appends one InvoiceOverdue for every open invoice past its due date, once per
 * (invoice, due date): the claim in invoice_overdue_notices and the event commit
 * together, so running twice, or twice at once, appends nothing more. An invoice
 * whose due date moved gets a new notice when the new date passes. `today` is the
 * business day of the run ('YYYY-MM-DD', UTC): due before today = overdue.
 *
 * Every batch runs in `tx`, the caller's transaction (the worker runs a tick in one).
 */
export function detectOverdueInvoicesInTransaction(
  tx: Transaction<Database>,
  today: string,
  options: { batchSize?: number } = {},
): Promise<OverdueDetectionResult> {
  return detectInBatches((work) => work(tx), today, options);
}

/**
 * The same, each batch committed in a transaction of its own on `db` (the pool): for
 * a backlog run outside the worker (`accrue analytics`), so no lock is held longer
 * than one batch.
 */
export function detectOverdueInvoices(db: Db, today: string, options: { batchSize?: number } = {}): Promise<OverdueDetectionResult> {
  return detectInBatches((work) => db.transaction().execute(work), today, options);
}

/** `inTransaction` runs one batch's work in the transaction the caller chose. */
async function detectInBatches(
  inTransaction: (work: (tx: Transaction<Database>) => Promise<BatchResult>) => Promise<BatchResult>,
  today: string,
  options: { batchSize?: number },
): Promise<OverdueDetectionResult> {
  const batchSize = options.batchSize ?? BATCH_SIZE;
  let detected = 0;
  let batches = 0;
  let after = '';
  for (;;) {
    const batch = await inTransaction((tx) => detectBatch(tx, today, after, batchSize));
    if (batch.lastId === null) break;
    after = batch.lastId;
    batches++;
    detected += batch.detected;
  }
  return { detected, batches };
}

type BatchResult = { detected: number; lastId: string | null };

/** The next `batchSize` candidates after `after` (by id), claimed and announced in `tx`. */
async function detectBatch(tx: Transaction<Database>, today: string, after: string, batchSize: number): Promise<BatchResult> {
  const candidates = await tx
    .selectFrom('invoices as i')
    .select(['i.id', 'i.due_date', 'i.total', 'i.amount_paid'])
    .where('i.status', '=', 'open')
    .where('i.due_date', '<', today)
    .where('i.id', '>', after)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('invoice_overdue_notices as n')
            .select(sql`1`.as('one'))
            .whereRef('n.invoice_id', '=', 'i.id')
            .whereRef('n.due_date', '=', 'i.due_date'),
        ),
      ),
    )
    .orderBy('i.id')
    .limit(batchSize)
    .execute();
  if (candidates.length === 0) return { detected: 0, lastId: null };
  return { detected: await appendOverdue(tx, candidates, today), lastId: candidates.at(-1)!.id };
}

type Candidate = { id: string; due_date: string | null; total: number; amount_paid: number };

async function appendOverdue(tx: Transaction<Database>, candidates: Candidate[], today: string): Promise<number> {
  // Re-check under the row locks: the invoice may have been paid, voided or given a
  // new due date since the scan.
  const open = await tx
    .selectFrom('invoices')
    .select(['id', 'due_date', 'total', 'amount_paid'])
    .where('id', 'in', candidates.map((c) => c.id))
    .where('status', '=', 'open')
    .where('due_date', '<', today)
    .orderBy('id')
    .forUpdate()
    .execute();
  const due = open.filter((i) => i.total - i.amount_paid > 0);
  if (due.length === 0) return 0;
  const claimed = await tx
    .insertInto('invoice_overdue_notices')
    .values(due.map((i) => ({ invoice_id: i.id, due_date: i.due_date!, amount_due: i.total - i.amount_paid, detected_on: today })))
    .onConflict((oc) => oc.columns(['invoice_id', 'due_date']).doNothing())
    .returning(['invoice_id', 'due_date', 'amount_due'])
    .execute();
  if (claimed.length === 0) return 0;
  const appended = await appendEvents(
    tx,
    claimed.map((c) => ({
      type: 'InvoiceOverdue' as const,
      aggregateId: c.invoice_id,
      occurredAt: today,
      data: { dueDate: c.due_date, amountDue: c.amount_due },
      source: 'system',
      // A second guard: (source, externalId) is unique in the event store.
      externalId: `overdue:${c.invoice_id}:${c.due_date}`,
    })),
    { correlationId: `overdue-detection:${today}`, actor: 'system:overdue-detection' },
  );
  await sql`
    UPDATE invoice_overdue_notices n SET event_id = v.event_id
    FROM unnest(${claimed.map((c) => c.invoice_id)}::text[], ${claimed.map((c) => c.due_date)}::date[],
                ${appended.map((a) => a.event.eventId)}::uuid[]) AS v (invoice_id, due_date, event_id)
    WHERE n.invoice_id = v.invoice_id AND n.due_date = v.due_date
  `.execute(tx);
  return claimed.length;
}
