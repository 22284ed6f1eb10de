-- One row per event the webhooks subscriber forwarded (the receiver also gets the
-- eventId as Idempotency-Key, since a crash between its 2xx and our commit sends
-- the event again).
--
-- What was forwarded lately, and what answered:
--   SELECT delivered_at, event_type, status_code, url FROM webhook_deliveries
--   ORDER BY delivered_at DESC LIMIT 20;

CREATE TABLE webhook_deliveries (
  event_id     uuid        PRIMARY KEY,
  event_type   text        NOT NULL,
  url          text        NOT NULL,
  status_code  integer     NULL,
  delivered_at timestamptz NULL
);
