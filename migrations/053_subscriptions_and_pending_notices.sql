-- Issue 9, "nothing dropped silently".
--
-- Who takes which events, shared by every process. Workers (and relays, for the
-- subscribers they know) add their rows at start; the relay routes each outbox batch
-- from this table, read in the batch's own round trip, never from its in-process
-- list, so a relay whose configuration lags (rolling deploy, a webhook URL set on one
-- process and not another) still makes a job for every subscriber any process runs.
-- Rows are only added by processes; a subscriber that is gone for good is removed by
-- an operator (docs/subscribers.md "Routing"):
--   SELECT subscriber, array_agg(event_type ORDER BY event_type) FROM subscriptions GROUP BY 1;
--   DELETE FROM subscriptions WHERE subscriber = 'webhooks';
CREATE TABLE subscriptions (
  subscriber    text        NOT NULL,
  event_type    text        NOT NULL,
  registered_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (subscriber, event_type)
);

-- A notice is recorded in the subscriber's transaction and written to its channel
-- (the notification file) only after that transaction commits; delivered_at marks
-- it written. A row still NULL a minute after recorded_at was interrupted (crash
-- between commit and append) and is delivered by the notifications-pending sweep.
ALTER TABLE notification_deliveries ADD COLUMN delivered_at timestamptz NULL;
UPDATE notification_deliveries SET delivered_at = recorded_at;
CREATE INDEX notification_deliveries_pending ON notification_deliveries (recorded_at) WHERE delivered_at IS NULL;
