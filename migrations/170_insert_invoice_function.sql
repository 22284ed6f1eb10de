-- Issue 10, sixth step (c): the invoice create (POST /v1/invoices) as one function call.
--
-- The create was one statement of three data-modifying CTEs (invoice, InvoiceCreated
-- event, outbox row). Sent unprepared (pgbench -M extended, the invoiceSql figure; any
-- client or pooler that does not keep named statements), the server parsed, analysed
-- and planned it on every call: perf on a single session put 37 % of the write's
-- backend CPU there (BuildCachedPlan's and SS_process_ctes' copies of the CTE query
-- trees, parse analysis), ~290-310 us a write against ~180 us for this function, whose
-- three statements PL/pgSQL plans once per session. Same rows, same order, same
-- constraints and triggers (the customer's foreign key still refuses an unknown
-- customer: invoices_customer_id_fkey, SQLSTATE 23503, raised through the call).
--
-- The caller (src/invoices/invoiceRepository.ts) has validated the event's payload
-- (toEventRows) and computed every column; the function only writes them. The outbox
-- row makes the relay's wake-up after commit (src/db/wakeRelay.ts WRITES_OUTBOX
-- matches this function's name too).
CREATE FUNCTION insert_invoice_with_event(
  invoice_id text, customer_id text, currency text, status text, issued_at date, due_date date,
  lines jsonb, total bigint, tax bigint, amount_paid bigint, version integer,
  event_id uuid, event_type text, schema_version integer, aggregate_type text, aggregate_version integer,
  occurred_at date, correlation_id text, causation_id text, traceparent text, actor text, source text,
  external_id text, data jsonb,
  OUT created_at timestamptz, OUT updated_at timestamptz
) LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  appended bigint;
BEGIN
  INSERT INTO invoices (id, customer_id, currency, status, issued_at, due_date, lines, total, tax, amount_paid, version)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
  RETURNING invoices.created_at, invoices.updated_at INTO created_at, updated_at;
  INSERT INTO events (event_id, type, schema_version, aggregate_type, aggregate_id, aggregate_version, occurred_at,
                      correlation_id, causation_id, traceparent, actor, source, external_id, data)
  VALUES ($12, $13, $14, $15, $1, $16, $17, $18, $19, $20, $21, $22, $23, $24)
  RETURNING position INTO appended;
  INSERT INTO outbox (position) VALUES (appended);
END $$;
