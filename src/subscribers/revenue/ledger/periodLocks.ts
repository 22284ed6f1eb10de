import { sql, type RawBuilder } from 'kysely';
import type { Executor } from '../../../db/connect.ts';
import { arrayLiteral } from '../../../db/unnestRows.ts';
import { firstDayOfMonth, nextMonth } from '../../../values/dates.ts';

// Invoice postings and the daily run hold this lock shared; closing a period holds
// it exclusively, so no entry can slip into a month while it is being locked.
const PERIOD_LOCK = 7_301_998_020;

export async function holdPeriodsShared(db: Executor): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock_shared(${PERIOD_LOCK}::bigint)`.execute(db);
}

export async function holdPeriodsExclusive(db: Executor): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(${PERIOD_LOCK}::bigint)`.execute(db);
}

/**
 * What every invoice posting takes first, in one round trip: the period lock shared
 * (as the daily run takes it), then each invoice's lock in the order given (the caller sorts
 * them as the worker sorts its batches, so concurrent batches never wait in a cycle),
 * then the invoices' line rows. The daily run locks lines (SKIP LOCKED) without the
 * invoice locks, so waiting for them here means its entries are committed before the
 * posting's next statement takes its snapshot: the books and the posted totals can then
 * be read in one statement (loadInvoiceBooks). A statement sees what committed before
 * it started, not what committed while it waited for a lock.
 */
export async function holdForInvoicePostings(db: Executor, invoiceIds: readonly string[]): Promise<void> {
  await sql`SELECT ${invoicePostingLocks(invoiceIds)}`.execute(db);
}

/**
 * holdForInvoicePostings as a select-list expression, for a statement of the caller's
 * (the worker's inbox claim: revenueSubscriber.batchLocks). WITH ORDINALITY + ORDER BY
 * keeps the order given: the locks are taken row by row as the sorted rows come out.
 * The line rows are locked invoice by invoice through the primary key (LATERAL ...
 * OFFSET 0): an `= ANY` over the ids was planned as a sequential scan of all of
 * revenue_lines, a row for every line of every invoice, while a backlog drained on the
 * statistics of a smaller table (15,880 rows read for 182 invoices' lines).
 */
export function invoicePostingLocks(invoiceIds: readonly string[]): RawBuilder<unknown> {
  const ids = arrayLiteral(invoiceIds);
  return sql`pg_advisory_xact_lock_shared(${PERIOD_LOCK}::bigint),
           (SELECT count(pg_advisory_xact_lock(hashtextextended('accrue:revenue:' || k, 0)))
            FROM (SELECT k FROM unnest(${ids}::text[]) WITH ORDINALITY AS ids (k, n) ORDER BY n OFFSET 0) sorted),
           (SELECT count(*) FROM unnest(${ids}::text[]) AS ids (k)
            CROSS JOIN LATERAL (SELECT 1 FROM revenue_lines l WHERE l.invoice_id = ids.k OFFSET 0 FOR UPDATE) lines)`;
}

/**
 * invoicePostingLocks as plain SQL text (no parameters) over the invoice ids a query of
 * the caller's returns as column `k`: for the relay's claim, which takes a batch's locks
 * in the statement that claims it, before the events are known to the relay's code. The
 * ids are locked in byte order (COLLATE "C"), the order the worker sorts them in
 * (applyInvoiceBatch's invoiceIdsInLockOrder), so both lock in one order.
 */
export function invoicePostingLocksSql(idsQuery: string): string {
  return `pg_advisory_xact_lock_shared(${PERIOD_LOCK}::bigint),
           (SELECT count(pg_advisory_xact_lock(hashtextextended('accrue:revenue:' || k, 0)))
            FROM (SELECT DISTINCT ids.k COLLATE "C" AS k FROM (${idsQuery}) ids ORDER BY 1 OFFSET 0) sorted),
           (SELECT count(*) FROM (SELECT DISTINCT ids.k FROM (${idsQuery}) ids) ids
            CROSS JOIN LATERAL (SELECT 1 FROM revenue_lines l WHERE l.invoice_id = ids.k OFFSET 0 FOR UPDATE) lines)`;
}

/** The last locked month ('YYYY-MM'), or null when no month is closed. */
export async function lockedThrough(db: Executor): Promise<string | null> {
  const row = await db
    .selectFrom('ledger_period_locks')
    .select((eb) => eb.fn.max('period').as('period'))
    .executeTakeFirst();
  return row?.period ?? null;
}

export function firstOpenDayAfter(locked: string | null): string | null {
  return locked === null ? null : firstDayOfMonth(nextMonth(locked));
}

export async function firstOpenDay(db: Executor): Promise<string | null> {
  return firstOpenDayAfter(await lockedThrough(db));
}

export async function recordPeriodLock(db: Executor, period: string, eventId: string | null): Promise<void> {
  await db.insertInto('ledger_period_locks').values({ period, event_id: eventId }).onConflict((oc) => oc.column('period').doNothing()).execute();
}
