-- The event store and the transactional outbox.
-- events: append-only (see trigger below); every state change of accrue and every
-- imported fact lands here in the same transaction as the state it describes.
-- outbox: one row per event not yet handed to the bus. The relay claims rows with
-- FOR UPDATE SKIP LOCKED and deletes them in the transaction that enqueues the jobs,
-- so a row that commits late is still seen (no id cursor) and an uncommitted row is
-- never visible; any number of relays may run at once.

CREATE TABLE events (
  position          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id          uuid        NOT NULL UNIQUE,          -- UUIDv7
  type              text        NOT NULL,
  schema_version    integer     NOT NULL CHECK (schema_version >= 1),
  aggregate_type    text        NOT NULL,
  aggregate_id      text        NOT NULL,
  aggregate_version integer     NULL,
  occurred_at       date        NOT NULL,                 -- business date (UTC day)
  recorded_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
  correlation_id    text        NOT NULL,
  causation_id      text        NULL,
  traceparent       text        NULL,
  actor             text        NOT NULL,
  source            text        NOT NULL DEFAULT 'api',   -- api | import | system | subscriber name
  external_id       text        NULL,                     -- eventId in the sending system (imports)
  data              jsonb       NOT NULL,
  -- commit-order helper: the writing transaction's id (relay rule of DESIGN.md)
  tx_id             xid8        NOT NULL DEFAULT pg_current_xact_id()
);

CREATE UNIQUE INDEX events_source_external_id ON events (source, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX events_aggregate ON events (aggregate_type, aggregate_id, position);
CREATE INDEX events_correlation ON events (correlation_id);
CREATE INDEX events_type_position ON events (type, position);

CREATE FUNCTION events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'events are append-only: % refused', TG_OP
    USING ERRCODE = 'restrict_violation';
END $$;

CREATE TRIGGER events_append_only
  BEFORE UPDATE OR DELETE ON events
  FOR EACH ROW EXECUTE FUNCTION events_refuse_change();

CREATE TRIGGER events_no_truncate
  BEFORE TRUNCATE ON events
  FOR EACH STATEMENT EXECUTE FUNCTION events_refuse_change();

CREATE TABLE outbox (
  position    bigint      PRIMARY KEY REFERENCES events (position),
  recorded_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- One NOTIFY per statement, not per row: NOTIFY serialises commits on a global
-- lock, so a 500-event import pays for it once.
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('accrue_outbox', '');
  RETURN NULL;
END $$;

CREATE TRIGGER outbox_notify_relay
  AFTER INSERT ON outbox
  FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();
