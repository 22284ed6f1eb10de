import { sql, type RawBuilder } from 'kysely';
import type { Executor } from '../../../db/connect.ts';
import { executeNamed } from '../../../db/preparedStatements.ts';
import { eventRowsQuery, insertEventsCtes, toEventRows, type EventContext, type NewEvent } from '../../../events/appendEvents.ts';
import type { BookEvent } from '../invoiceTimeline.ts';
import type { InvoiceBook } from '../postInvoiceEvent.ts';
import type { InvoiceOutcome } from '../targetJournal.ts';
import { bookSaveCtes } from './invoiceBooks.ts';
import { entryInsertCtes, type EntryGroup } from './journal.ts';

export type Postings = {
  /** Each invoice's book in its last state (at most one per invoice). */
  books: readonly { book: InvoiceBook; outcome: InvoiceOutcome | null }[];
  /** Events the books applied, appended to the event store of the books (revenue_book_events). */
  bookEvents?: readonly { invoiceId: string; event: BookEvent }[];
  /** The journal entries, per invoice event, in posting order. */
  entries: readonly EntryGroup[];
  /**
   * The revenue events the entries emit, built from entriesByOrdinal: their
   * `data.entryId` is the entry's ordinal in `entries` (1-based, flattened).
   */
  revenueEvents: NewEvent[];
};

/**
 * Writes what a posting decided in one statement, one round trip instead of three
 * (each ~1 ms on a loaded machine, and on the latency path of every event): the books
 * and their lines, the journal entries with ids drawn from the identity sequence inside
 * the statement, and the revenue events through the event store's one append path
 * (events; outbox rows only while a subscription takes their type: appendEvents.ts),
 * each carrying the id of the entry it reports. Nothing is read back: the posting
 * already holds everything the caller returns.
 */
export async function writePostings(db: Executor, postings: Postings, ctx: EventContext): Promise<void> {
  const ctes: RawBuilder<unknown>[] = [];
  if (postings.books.length > 0) ctes.push(bookSaveCtes(postings.books, postings.bookEvents));
  if (postings.entries.some((g) => g.entries.length > 0)) {
    ctes.push(entryInsertCtes(postings.entries));
    if (postings.revenueEvents.length > 0) {
      // Validated as any append is (the ordinal passes as the entry id's string);
      // then the ordinal is swapped for the id new_entries drew for that entry.
      const withEntryIds = sql`
        SELECT r.event_id, r.type, r.schema_version, r.aggregate_type, r.aggregate_id, r.aggregate_version, r.occurred_at,
               r.correlation_id, r.causation_id, r.traceparent, r.actor, r.source, r.external_id,
               jsonb_set(r.data::jsonb, '{entryId}', to_jsonb(e.entry_id::text))::text AS data, r.ordinality
        FROM (${eventRowsQuery(toEventRows(postings.revenueEvents, ctx))}) AS r
        JOIN new_entries e ON e.ordinality = (r.data::jsonb ->> 'entryId')::bigint`;
      ctes.push(insertEventsCtes(withEntryIds, sql`position, type`));
    }
  }
  if (ctes.length === 0) return;
  // A handful of texts (which CTEs a batch needs), each parsed and planned once per connection.
  await executeNamed(db, 'write_postings', sql`WITH ${sql.join(ctes)} SELECT 1`);
}
