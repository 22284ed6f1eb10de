-- Issue 15: events partitioned BY RANGE (recorded_at), one partition per UTC month.
-- recorded_at is the append time, so a month's partition is complete once the month is
-- over (what `accrue export events --month` and an archive need); every hot read names
-- it next to the position, so it reads one partition:
--   - the relay's claim and a worker's bundle (readEventsAt), both by position: through
--     event_keys below, which holds each position's recorded_at;
--   - the export and the feed read by recorded_at / commit order as before.
-- What a unique index on the parent can no longer guarantee (it would have to include
-- recorded_at) moves to two side tables kept by one statement trigger on events, so
-- every insert (the append path, a bulk load) keeps them:
--   event_keys (position, event_id, recorded_at): position and event_id unique across
--     all partitions, and the way from a position or an event id to its partition;
--   event_external_ids (source, external_id) -> event_id: the idempotency of imports.
--     The append path claims the key first (ON CONFLICT DO NOTHING, as before on events)
--     and inserts only the events whose key it claimed; the trigger refuses any other
--     insert that would store a second event for a key.
-- A populated table is attached whole as events_legacy (no row copied; its unique
-- indexes give way to the side tables, filled from it once); an empty one is dropped.
-- The parent keeps the name, columns, append-only triggers and events_position_seq.

-- No write between the copies below (event_keys, event_external_ids, the sequence) and
-- the ALTER TABLE that locks the table (a process of the previous release still
-- running): an event appended in between would have no key and its position be reused.
LOCK TABLE events IN EXCLUSIVE MODE;

CREATE TABLE event_keys (
  position    bigint      PRIMARY KEY,
  event_id    uuid        NOT NULL UNIQUE,
  recorded_at timestamptz NOT NULL
);
CREATE TABLE event_external_ids (
  source      text NOT NULL,
  external_id text NOT NULL,
  event_id    uuid NOT NULL,
  PRIMARY KEY (source, external_id)
);
CREATE TRIGGER event_keys_append_only BEFORE UPDATE OR DELETE ON event_keys
  FOR EACH ROW EXECUTE FUNCTION events_refuse_change();
CREATE TRIGGER event_keys_no_truncate BEFORE TRUNCATE ON event_keys
  FOR EACH STATEMENT EXECUTE FUNCTION events_refuse_change();
CREATE TRIGGER event_external_ids_append_only BEFORE UPDATE OR DELETE ON event_external_ids
  FOR EACH ROW EXECUTE FUNCTION events_refuse_change();
CREATE TRIGGER event_external_ids_no_truncate BEFORE TRUNCATE ON event_external_ids
  FOR EACH STATEMENT EXECUTE FUNCTION events_refuse_change();

INSERT INTO event_keys (position, event_id, recorded_at) SELECT position, event_id, recorded_at FROM events;
INSERT INTO event_external_ids (source, external_id, event_id)
  SELECT source, external_id, event_id FROM events WHERE external_id IS NOT NULL;

CREATE FUNCTION events_record_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO event_keys (position, event_id, recorded_at) SELECT position, event_id, recorded_at FROM new_events;
  IF EXISTS (SELECT 1 FROM new_events WHERE external_id IS NOT NULL) THEN
    -- The append path claimed these already (same event_id: nothing to do here).
    INSERT INTO event_external_ids (source, external_id, event_id)
      SELECT source, external_id, event_id FROM new_events WHERE external_id IS NOT NULL
      ON CONFLICT DO NOTHING;
    IF EXISTS (SELECT 1 FROM new_events n JOIN event_external_ids x ON x.source = n.source AND x.external_id = n.external_id
               WHERE x.event_id <> n.event_id) THEN
      RAISE EXCEPTION 'an event with this (source, external_id) is already stored'
        USING ERRCODE = 'unique_violation', CONSTRAINT = 'event_external_ids_pkey';
    END IF;
  END IF;
  RETURN NULL;
END $$;

CREATE TEMP TABLE events_was ON COMMIT DROP AS
  SELECT s.last_value, s.is_called, (SELECT max(recorded_at) FROM events) AS latest,
         EXISTS (SELECT 1 FROM events) AS populated
  FROM events_position_seq s;

CREATE TEMP TABLE events_views ON COMMIT DROP AS
  SELECT DISTINCT c.oid::regclass::text AS name, pg_get_viewdef(c.oid) AS def
  FROM pg_depend d
  JOIN pg_rewrite r ON r.oid = d.objid
  JOIN pg_class c ON c.oid = r.ev_class
  WHERE d.classid = 'pg_rewrite'::regclass AND d.refobjid = 'events'::regclass AND c.relkind = 'v';

-- The outbox's foreign key moves to event_keys: a plain table, so the check per row
-- stays one index probe (against the partitioned parent it costs ~25 us an event: the
-- append of 20,000 events took a third longer). Deferred to commit, because the row of
-- event_keys is written by the statement trigger, which may fire after the check would.
ALTER TABLE outbox DROP CONSTRAINT outbox_position_fkey;

ALTER TABLE events ALTER COLUMN position DROP IDENTITY;   -- its sequence goes; the parent's takes the name
DROP TRIGGER events_append_only ON events;                 -- cloned from the parent at attach
ALTER TABLE events RENAME TO events_legacy;
ALTER TABLE events_legacy DROP CONSTRAINT events_pkey;          -- the parent's (position, recorded_at) is built at attach
ALTER TABLE events_legacy DROP CONSTRAINT events_event_id_key;  -- event_keys holds it now
DROP INDEX events_source_external_id;                           -- event_external_ids holds it now
ALTER INDEX events_aggregate RENAME TO events_legacy_aggregate;
ALTER INDEX events_correlation RENAME TO events_legacy_correlation;
ALTER INDEX events_type_position RENAME TO events_legacy_type_position;
ALTER INDEX events_commit_order RENAME TO events_legacy_commit_order;

CREATE TABLE events (
  position          bigint      GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME events_position_seq),
  event_id          uuid        NOT NULL,                 -- unique: event_keys
  type              text        NOT NULL,
  schema_version    integer     NOT NULL CONSTRAINT events_schema_version_check CHECK (schema_version >= 1),
  aggregate_type    text        NOT NULL,
  aggregate_id      text        NOT NULL,
  aggregate_version integer     NULL,
  occurred_at       date        NOT NULL,
  recorded_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
  correlation_id    text        NOT NULL,
  causation_id      text        NULL,
  traceparent       text        NULL,
  actor             text        NOT NULL,
  source            text        NOT NULL DEFAULT 'api',
  external_id       text        NULL,                     -- (source, external_id) unique: event_external_ids
  data              jsonb       NOT NULL,
  tx_id             xid8        NOT NULL DEFAULT pg_current_xact_id(),
  CONSTRAINT events_pkey PRIMARY KEY (position, recorded_at)
) PARTITION BY RANGE (recorded_at);

SELECT setval('events_position_seq', last_value, is_called) FROM events_was;

CREATE INDEX events_event_id ON events (event_id);
CREATE INDEX events_source_external_id ON events (source, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX events_aggregate ON events (aggregate_type, aggregate_id, position);
CREATE INDEX events_correlation ON events (correlation_id);
CREATE INDEX events_type_position ON events (type, position);
CREATE INDEX events_commit_order ON events (tx_id, position);

CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
  FOR EACH ROW EXECUTE FUNCTION events_refuse_change();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
  FOR EACH STATEMENT EXECUTE FUNCTION events_refuse_change();
CREATE TRIGGER events_record_keys AFTER INSERT ON events
  REFERENCING NEW TABLE AS new_events
  FOR EACH STATEMENT EXECUTE FUNCTION events_record_keys();

CREATE TABLE events_default PARTITION OF events DEFAULT;
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events_default
  FOR EACH STATEMENT EXECUTE FUNCTION events_refuse_change();

DO $$
DECLARE
  v record;
  was record;
  bound timestamptz;
BEGIN
  FOR v IN SELECT name, def FROM events_views ORDER BY name LOOP
    EXECUTE format('CREATE OR REPLACE VIEW %s AS %s', v.name, v.def);
  END LOOP;
  SELECT * INTO was FROM events_was;
  IF was.populated THEN
    bound := (date_trunc('month', greatest(now(), was.latest) AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC';
    -- A validated CHECK that implies the bound lets ATTACH skip its own scan of the table.
    EXECUTE format('ALTER TABLE events_legacy ADD CONSTRAINT events_legacy_bound CHECK (recorded_at < %L)', bound);
    EXECUTE format('ALTER TABLE events ATTACH PARTITION events_legacy FOR VALUES FROM (MINVALUE) TO (%L)', bound);
    ALTER TABLE events_legacy DROP CONSTRAINT events_legacy_bound;
  END IF;
END $$;

DO $$
BEGIN
  IF NOT (SELECT populated FROM events_was) THEN
    DROP TABLE events_legacy;
  END IF;
END $$;

ALTER TABLE outbox ADD CONSTRAINT outbox_position_fkey FOREIGN KEY (position) REFERENCES event_keys (position)
  DEFERRABLE INITIALLY DEFERRED;
