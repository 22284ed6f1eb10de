-- Issue 10, tenth step: an invoice's audit history finds each event's cause through
-- event_keys, not through events_event_id.
--
-- event_keys (migration 132) holds (position PK, event_id UNIQUE, recorded_at) for every
-- event: an event id gives the position and the month, i.e. the events primary key with
-- its partition. audit_invoice_history joined the cause by events.event_id, which probes
-- events_event_id in every monthly partition for each event of the invoice (63 partitions,
-- 1M events: 1,339 buffers, 276 ms for one invoice); the cause is now read by its id's key,
-- then by its full key in its own partition (313 buffers, 9 ms). LATERAL ... OFFSET 0 keeps
-- that order and those access paths, as the relay's claim does (src/bus/relay/relayBatch.ts).
-- Same name, columns and types (operators' SQL uses it; audit_invoice_chain reads it).
--
-- events_event_id stays (dropping it was measured, docs/performance.md, tenth step):
-- audit_revenue_changes' month query joins 100,000 entries to their causes as a parallel
-- hash join on events.event_id; read through event_keys instead (as this view now does, or
-- as a plain join) it took 1.7-2.6x as long, for one index entry less per event written.
-- So audit_revenue_changes is left as it is, and so is the index.

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
