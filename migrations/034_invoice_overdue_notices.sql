-- One InvoiceOverdue per (invoice, due date), ever. Overdue detection inserts here
-- and appends the event in the same transaction; a second run, or a concurrent one,
-- hits the primary key and appends nothing. A changed due date is a new key, so an
-- invoice whose due date moved can become overdue again.

CREATE TABLE invoice_overdue_notices (
  invoice_id  text        NOT NULL,
  due_date    date        NOT NULL,
  amount_due  bigint      NOT NULL,
  detected_on date        NOT NULL,
  event_id    uuid        NULL,     -- set in the same transaction, right after the append
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (invoice_id, due_date)
);
