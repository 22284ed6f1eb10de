-- Issue 15: snapshots of projections that can be rebuilt (a subscriber with reset()
-- and a `snapshot` declaration: analytics), so `accrue rebuild` restores the latest
-- valid one and replays only the events after it.
--
-- A snapshot is taken at a point of the commit-order feed (migration 090): every event
-- of the subscriber's types whose transaction is older than `through_tx` had been
-- applied (its inbox row exists) when the rows were copied, so rebuilding from it
-- re-feeds only events with tx_id >= through_tx. The copy may also hold some later
-- events' effects: only subscribers whose writes commute and repeat harmlessly declare
-- snapshots. One of another schema_version than the subscriber declares is ignored.

CREATE TABLE projection_snapshots (
  snapshot_id    bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  subscriber     text        NOT NULL,
  schema_version integer     NOT NULL,
  through_tx     xid8        NOT NULL,
  head_position  bigint      NOT NULL,                   -- the event store's last position when taken (for people)
  row_count      bigint      NOT NULL,
  taken_at       timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX projection_snapshots_latest ON projection_snapshots (subscriber, schema_version, snapshot_id DESC);

CREATE TABLE projection_snapshot_rows (
  snapshot_id bigint NOT NULL REFERENCES projection_snapshots (snapshot_id) ON DELETE CASCADE,
  table_name  text   NOT NULL,
  row         jsonb  NOT NULL
);
CREATE INDEX projection_snapshot_rows_snapshot ON projection_snapshot_rows (snapshot_id, table_name);
