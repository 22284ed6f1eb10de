import { sql, type CompiledQuery, type RawBuilder } from 'kysely';
import type { Executor } from '../../../db/connect.ts';
import { arrayLiteral } from '../../../db/unnestRows.ts';
import { preparedStatement } from '../../../db/preparedStatements.ts';
import { countOutboxRows, eventRowParams, eventRowsSource, insertEventsCtes, toEventRows, type EventContext, type EventRowParams, type NewEvent } from '../../../events/appendEvents.ts';
import type { BookEvent } from '../invoiceTimeline.ts';
import type { InvoiceBook } from '../postInvoiceEvent.ts';
import type { InvoiceOutcome } from '../targetJournal.ts';
import { bookSaveCtes, bookSaveParams, type BookSaveParams } from './invoiceBooks.ts';
import { entryArrays, entryInsertCtes, type EntryArrays, type EntryGroup } from './journal.ts';

export type Postings = {
  /** Each invoice's book in its last state (at most one per invoice), and whether it had one before (bookSaveParams). */
  books: readonly { book: InvoiceBook; outcome: InvoiceOutcome | null; existed: boolean }[];
  /** Events the books applied, appended to the event store of the books (revenue_book_events). */
  bookEvents?: readonly { invoiceId: string; event: BookEvent }[];
  /** The journal entries, per invoice event, in posting order. */
  entries: readonly EntryGroup[];
  /**
   * The revenue events the entries emit (revenueEventsOf): their `data.entryId` is
   * the entry's ordinal in `entries` (1-based, flattened).
   */
  revenueEvents: NewEvent[];
};

/** The statement's parameters; a part left out leaves its CTEs out (one prepared statement per combination). */
export type PostingParams = {
  books?: BookSaveParams;
  entries?: EntryArrays;
  /** The revenue events, and for each the ordinal of the entry it reports (a bigint array literal). */
  revenueEvents?: EventRowParams & { entryOrdinals: string };
};

/**
 * writePostings' parameters (undefined: nothing to write), built before its round trip:
 * a caller that lets go of its postings then holds only this text while the statement
 * runs (applyInvoiceBatch).
 */
export function postingParams(postings: Postings, ctx: EventContext): PostingParams | undefined {
  const params: PostingParams = {};
  if (postings.books.length > 0) params.books = bookSaveParams(postings.books, postings.bookEvents);
  if (postings.entries.some((g) => g.entries.length > 0)) {
    params.entries = entryArrays(postings.entries);
    if (postings.revenueEvents.length > 0) {
      // Validated as any append is (the ordinal passes as the entry id's string).
      const rows = toEventRows(postings.revenueEvents, ctx);
      const entryOrdinals = arrayLiteral(postings.revenueEvents.map((e) => Number((e.data as { entryId: string }).entryId)));
      params.revenueEvents = { ...eventRowParams(rows), entryOrdinals };
    }
  }
  return params.books === undefined && params.entries === undefined ? undefined : params;
}

/**
 * Writes what a posting decided in one statement, one round trip instead of three
 * (each ~1 ms on a loaded machine, and on the latency path of every event): the books
 * and their lines, the journal entries with ids drawn from the identity sequence inside
 * the statement, and the revenue events through the event store's one append path
 * (events; outbox rows only while a subscription takes their type: appendEvents.ts),
 * each carrying the id of the entry it reports. Nothing is read back: the posting
 * already holds everything the caller returns. Its parameters come from postingParams.
 * A prepared statement on the bus processes' sessions (parsed once per connection,
 * planned per call: parse and plan were ~2 of 5 ms of backend CPU for a 20-event
 * posting), its rows in typed arrays where they are scalars (docs/performance.md).
 */
export async function writePostings(db: Executor, params: PostingParams): Promise<void> {
  await writePostingsStatement(db, params);
}

/** The statement of writePostings for these parts (built once per combination: preparedStatement). */
function postingStatement(db: Executor, p: PostingParams) {
  const ctes: RawBuilder<unknown>[] = [];
  // How many outbox rows the revenue events got (none unless a subscription takes their
  // type), where there are some: the relay is woken only when there is something to move.
  let result = sql`SELECT 1`;
  if (p.books !== undefined) ctes.push(bookSaveCtes(p.books));
  if (p.entries !== undefined) {
    ctes.push(entryInsertCtes(p.entries));
    if (p.revenueEvents !== undefined) {
      // Each event's ordinal is swapped for the id new_entries drew for that entry.
      const withEntryIds = sql`
        SELECT r.event_id, r.type, r.schema_version, r.aggregate_type, r.aggregate_id, r.aggregate_version, r.occurred_at,
               r.correlation_id, r.causation_id, r.traceparent, r.actor, r.source, r.external_id,
               jsonb_set(r.data, '{entryId}', to_jsonb(e.entry_id::text)) AS data, r.ordinality
        FROM (${eventRowsSource(p.revenueEvents)}) AS r
        JOIN new_entries e ON e.ordinality = (${p.revenueEvents.entryOrdinals}::bigint[])[r.ordinality]`;
      ctes.push(insertEventsCtes(withEntryIds, sql`position, type`));
      result = countOutboxRows;
    }
  }
  const statement = sql`WITH ${sql.join(ctes)} ${result}`;
  return { compile: () => statement.compile(db) };
}

/** writePostings' statement compiled, for a caller that sends it itself (SubscriberContext.deferWrite). */
export function postingQuery(db: Executor, params: PostingParams): CompiledQuery {
  return postingStatement(db, params).compile();
}

// Named on the relay's and worker's sessions, which plan each call (its arrays hold a batch's rows).
const writePostingsStatement = preparedStatement('write_postings', postingStatement, { batch: true });
