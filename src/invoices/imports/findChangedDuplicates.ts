import { sql } from 'kysely';
import { joinEventById } from '../../events/appendEvents.ts';
import type { Executor } from '../../db/connect.ts';

/** What an imported event says, as stored: compared field by field with the stored row of the same eventId. */
export type ImportedContent = {
  index: number;
  storedEventId: string;
  type: string;
  occurredAt: string;
  aggregateId: string;
  aggregateVersion: number | null;
  /** The payload after its contract's parse (what appendEvents stores). */
  data: unknown;
};

/**
 * The indexes of events whose eventId is already stored with other content (type,
 * occurredAt, invoiceId/aggregate, version or data). Compared in Postgres: jsonb
 * equality ignores key order and whitespace and compares numbers by value, exactly
 * (no rounding through JavaScript numbers).
 */
export async function findChangedDuplicates(db: Executor, candidates: readonly ImportedContent[]): Promise<number[]> {
  if (candidates.length === 0) return [];
  const json = JSON.stringify(
    candidates.map((c) => ({
      i: c.index,
      stored_id: c.storedEventId,
      type: c.type,
      occurred_at: c.occurredAt,
      aggregate_id: c.aggregateId,
      aggregate_version: c.aggregateVersion,
      data: c.data,
    })),
  );
  const { rows } = await sql<{ i: number }>`
    SELECT c.i
    FROM jsonb_to_recordset(${json}::jsonb)
      AS c(i int, stored_id uuid, type text, occurred_at date, aggregate_id text, aggregate_version int, data jsonb)
    ${joinEventById(sql.ref('c.stored_id'), 'e')}
    WHERE NOT (e.type = c.type AND e.occurred_at = c.occurred_at AND e.aggregate_id = c.aggregate_id
      AND e.aggregate_version IS NOT DISTINCT FROM c.aggregate_version AND e.data = c.data)
    ORDER BY c.i`.execute(db);
  return rows.map((r) => r.i);
}
