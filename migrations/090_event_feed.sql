-- The event feed (GET /v1/events, its SSE stream) and forwarders out of accrue (issue 13).
--
-- The feed hands events out in commit order, not position order: a transaction that
-- took position 10 may commit after the one that took 11, and a reader that had
-- passed 11 would never see 10. The feed orders by (tx_id, position) and only hands
-- out rows whose transaction is older than the oldest one still running
-- (pg_snapshot_xmin): no row can appear behind such a cursor later
-- (src/events/feed/readFeed.ts). This index is that order.
CREATE INDEX events_commit_order ON events (tx_id, position);

-- Where each forwarder (`accrue forward nats`, ...) has got to in the feed: the cursor
-- of the last event it handed on. A forwarder that crashes after publishing and
-- before writing this row publishes that page again; its destination drops the
-- repeats by event id (JetStream: Nats-Msg-Id).
CREATE TABLE event_forwarders (
  name         text        PRIMARY KEY,   -- e.g. nats:ACCRUE_EVENTS
  feed_cursor  text        NOT NULL,
  forwarded    bigint      NOT NULL DEFAULT 0,
  updated_at   timestamptz NOT NULL DEFAULT clock_timestamp()
);
