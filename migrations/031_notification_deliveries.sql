-- One row per notification the notifications subscriber delivered, keyed by the
-- event that caused it: a second delivery of the event finds the row and sends
-- nothing. The row is written before the channel is called, in the job's
-- transaction, so a concurrent duplicate waits on it and a failed send leaves none.
--
-- Last notices sent for an invoice:
--   SELECT recorded_at, kind, channel, recipient, subject FROM notification_deliveries
--   WHERE invoice_id = 'inv_1' ORDER BY recorded_at DESC;

CREATE TABLE notification_deliveries (
  event_id    uuid        PRIMARY KEY,
  invoice_id  text        NOT NULL,
  kind        text        NOT NULL CHECK (kind IN ('reminder', 'overdue', 'receipt')),
  channel     text        NOT NULL,
  recipient   text        NULL,
  subject     text        NOT NULL,
  body        text        NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notification_deliveries_invoice ON notification_deliveries (invoice_id, recorded_at);
