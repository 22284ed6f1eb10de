-- Issue 10, tenth step: events keep no index of their own on event_id.
--
-- event_keys (migration 132) holds (position PK, event_id UNIQUE, recorded_at) for every
-- event, written by the events_record_keys trigger: an event id gives the position and
-- the month, i.e. the events primary key with its partition. events_event_id (a uuid
-- btree on every partition) duplicated event_keys_event_id_key: one more index insert
-- and its WAL for every event written (every invoice write, every revenue event posted),
-- read by nobody that could not read event_keys instead.
--
-- The readers by id now go through event_keys: the id's key by event_keys_event_id_key,
-- then the event by its full key in its own partition (LATERAL ... OFFSET 0 keeps that
-- order and those access paths, as the relay's claim does: src/bus/relay/relayBatch.ts).
-- The two audit views that joined events by id are replaced with the same names,
-- columns and types (operators' SQL uses them; audit_invoice_chain reads the first).

CREATE OR REPLACE VIEW audit_invoice_history AS
  WITH invoice_events AS (
    SELECT e.aggregate_id AS invoice_id, e.*
    FROM events e
    WHERE e.aggregate_type = 'invoice'
    UNION ALL
    SELECT ids.invoice_id, e.*
    FROM events e
    CROSS JOIN LATERAL jsonb_array_elements_text(COALESCE(e.data -> 'invoiceIds', '[]'::jsonb)) AS ids (invoice_id)
    WHERE e.type = 'PaymentReceived'
  )
  SELECT ie.invoice_id,
         ie.position,
         ie.event_id,
         ie.type,
         CASE WHEN ie.type LIKE 'Revenue%' THEN 'revenue'
              WHEN ie.aggregate_type = 'payment' THEN 'payment'
              ELSE 'invoice' END AS kind,
         ie.aggregate_version,
         ie.occurred_at,                 -- business date
         ie.recorded_at,                 -- when accrue stored it
         ie.actor,
         a.actor_name,
         ie.source,                      -- api | import | revenue | system ...
         ie.external_id,                 -- the sender's id for imported events
         ie.correlation_id,
         ie.causation_id,
         cause.type AS causation_type,
         ie.data
  FROM invoice_events ie
  LEFT JOIN audit_actors a ON a.actor = ie.actor
  -- causation_id is text (it may name something that is not an event); only a uuid can join.
  -- (CASE, not AND: Postgres does not promise to test the pattern before the cast.)
  -- The cause by its id's key (event_keys), then by its full key in its own partition.
  LEFT JOIN LATERAL (
    SELECT c.type
    FROM event_keys k
    CROSS JOIN LATERAL (SELECT e.type FROM events e WHERE e.position = k.position AND e.recorded_at = k.recorded_at OFFSET 0) c
    WHERE k.event_id = CASE WHEN ie.causation_id ~ '^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$'
                            THEN ie.causation_id::uuid END
    OFFSET 0
  ) cause ON true;

CREATE OR REPLACE VIEW audit_revenue_changes AS
  SELECT le.period, le.currency, le.entry_id, le.entry_date, le.origin_date, le.kind, le.invoice_id, le.line_id,
         -le.revenue AS revenue_change,
         -le.deferred_revenue AS deferred_revenue_change,
         le.recorded_at,
         CASE WHEN le.event_id IS NOT NULL THEN 'event'
              WHEN le.note LIKE 'period-close:%' THEN 'period_close'
              WHEN le.note LIKE 'daily-recognition:%' THEN 'daily_recognition'
              ELSE 'other' END AS cause,
         COALESCE(ev.event_id, pc.event_id) AS cause_event_id,
         COALESCE(ev.type, pc.type) AS cause_type,
         COALESCE(ev.actor, pc.actor, CASE WHEN le.note LIKE 'daily-recognition:%' THEN 'revenue' END) AS cause_actor,
         a.actor_name AS cause_actor_name,
         COALESCE(ev.correlation_id, pc.correlation_id, le.note) AS cause_correlation_id,
         COALESCE(ev.occurred_at, pc.occurred_at) AS cause_occurred_at,
         COALESCE(ev.recorded_at, pc.recorded_at) AS cause_recorded_at,
         rev.event_id AS revenue_event_id,
         rev.type AS revenue_event_type
  FROM ledger_entries le
  -- The event that caused the entry, by its id's key (event_keys), then by its full key.
  LEFT JOIN LATERAL (
    SELECT e.event_id, e.type, e.actor, e.correlation_id, e.occurred_at, e.recorded_at
    FROM event_keys k
    CROSS JOIN LATERAL (SELECT * FROM events e WHERE e.position = k.position AND e.recorded_at = k.recorded_at OFFSET 0) e
    WHERE k.event_id = le.event_id
    OFFSET 0
  ) ev ON true
  -- The first PeriodClosed of that month (an imported one may repeat it).
  LEFT JOIN LATERAL (
    SELECT p.event_id, p.type, p.actor, p.correlation_id, p.occurred_at, p.recorded_at
    FROM events p
    WHERE le.event_id IS NULL AND le.note LIKE 'period-close:%'
      AND p.aggregate_type = 'period' AND p.aggregate_id = substr(le.note, length('period-close:') + 1)
      AND p.type = 'PeriodClosed'
    ORDER BY p.position LIMIT 1
  ) pc ON true
  LEFT JOIN audit_actors a ON a.actor = COALESCE(ev.actor, pc.actor)
  LEFT JOIN events rev ON rev.aggregate_type = 'invoice' AND rev.aggregate_id = le.invoice_id
                      AND rev.type LIKE 'Revenue%' AND rev.data ->> 'entryId' = le.entry_id::text
  WHERE le.revenue <> 0;

-- The partitioned index; its partitions' indexes go with it.
DROP INDEX events_event_id;
