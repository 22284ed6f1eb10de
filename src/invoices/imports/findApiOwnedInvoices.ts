import type { Executor } from '../../db/connect.ts';

/**
 * Which of these invoice ids belong to the API: a row in `invoices`, or events of
 * the invoice aggregate written by source 'api'. Imported and API-owned invoices are
 * kept apart (an import must not void the books of an invoice whose row stays
 * open), so the import refuses these. No lock is needed: the API makes its ids
 * itself (inv_<uuidv7>) and answers with one only after its row committed, so an
 * import can only name an API id this read already sees.
 */
export async function findApiOwnedInvoices(db: Executor, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const unique = [...new Set(ids)];
  const rows = await db
    .selectFrom('invoices')
    .select('id')
    .where('id', 'in', unique)
    .union(
      db
        .selectFrom('events')
        .select('aggregate_id as id')
        .where('aggregate_type', '=', 'invoice')
        .where('aggregate_id', 'in', unique)
        .where('source', '=', 'api'),
    )
    .execute();
  return new Set(rows.map((r) => r.id));
}
