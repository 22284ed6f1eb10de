import { sql } from 'kysely';
import { joinEventById } from '../../events/appendEvents.ts';
import type { Executor } from '../../db/connect.ts';

export type InvoiceConflict = {
  /** Index in the import of the event refused. */
  index: number;
  kind: 'created' | 'version' | 'payment';
  /** The eventId (externalId for imports) of the event it conflicts with. */
  otherEventId: string;
  detail: string;
};

/**
 * Within one invoice a version names one change, a paymentId one payment with one
 * amount, and InvoiceCreated happens once (FORMAT.json conventions.conflicts). For
 * the newly stored events of an import (by index and stored event id), the first
 * that breaks this against an earlier event of its invoice — stored before, or
 * earlier in the same import (so the later of two is named) — or null. Run after appending, in the import's transaction (which
 * holds the per-invoice import lock), so throwing rolls the whole import back.
 * An InvoicePaid repeating a paymentId with the same amount is the same payment;
 * the same version with the same data and date is the same change. Compared in
 * Postgres: jsonb equality ignores key order and compares numbers by value.
 */
export async function findInvoiceConflict(db: Executor, inserted: readonly { index: number; storedEventId: string }[]): Promise<InvoiceConflict | null> {
  if (inserted.length === 0) return null;
  const json = JSON.stringify(inserted.map((c) => ({ i: c.index, id: c.storedEventId })));
  const { rows } = await sql<{ i: number; kind: InvoiceConflict['kind']; other: string; version: number | null; payment_id: string | null; amount: string | null; other_amount: string | null }>`
    SELECT c.i, o.kind, o.other, n.aggregate_version AS version, n.data ->> 'paymentId' AS payment_id,
           n.data ->> 'amount' AS amount, o.other_amount
    FROM jsonb_to_recordset(${json}::jsonb) AS c(i int, id uuid)
    ${joinEventById(sql.ref('c.id'), 'n')}
    CROSS JOIN LATERAL (
      SELECT CASE WHEN o.type = 'InvoiceCreated' THEN 'created' WHEN o.type = 'InvoiceUpdated' THEN 'version' ELSE 'payment' END AS kind,
             coalesce(o.external_id, o.event_id::text) AS other, o.data ->> 'amount' AS other_amount
      FROM events o
      WHERE o.aggregate_type = n.aggregate_type AND o.aggregate_id = n.aggregate_id AND o.position < n.position
        AND (
          (n.type = 'InvoiceCreated' AND o.type = 'InvoiceCreated')
          OR (n.type = 'InvoiceUpdated' AND o.type = 'InvoiceUpdated' AND o.aggregate_version = n.aggregate_version
              AND NOT (o.data = n.data AND o.occurred_at = n.occurred_at))
          OR (n.type IN ('InvoicePaymentReceived', 'InvoicePaid') AND o.type IN ('InvoicePaymentReceived', 'InvoicePaid')
              AND o.data ->> 'paymentId' = n.data ->> 'paymentId' AND o.data -> 'amount' <> n.data -> 'amount')
        )
      ORDER BY o.position
      LIMIT 1
    ) o
    WHERE n.aggregate_type = 'invoice'
    ORDER BY c.i
    LIMIT 1`.execute(db);
  const r = rows[0];
  if (!r) return null;
  const detail =
    r.kind === 'created'
      ? `the invoice already exists under eventId ${r.other}: InvoiceCreated happens once; send a change as InvoiceUpdated with the next version`
      : r.kind === 'version'
        ? `version ${r.version} is already taken by eventId ${r.other} with other content: a version names one change; send this change with a new version`
        : `paymentId ${r.payment_id} was already received with amount ${r.other_amount} (eventId ${r.other}), not ${r.amount}: a paymentId names one payment with one amount`;
  return { index: r.i, kind: r.kind, otherEventId: r.other, detail };
}
