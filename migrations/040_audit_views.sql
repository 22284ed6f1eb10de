-- Audit views: plain SQL a finance or platform engineer can run in psql to follow
-- an invoice from its events to the bus attempts, the ledger and the revenue events.
-- Guide with example queries: docs/audit.md. Views only (no new tables, no new
-- indexes on the hot write path): each view is meant to be filtered on its first
-- column(s), which the existing indexes serve (events_aggregate, inbox/failed_attempts
-- by event id, ledger_entries_invoice).

-- Who an actor is: 'api-key:<id>' is joined to the key's name; other actors
-- ('bootstrap', 'revenue', 'system', 'cli:<os user>', an import source) are shown as is.
CREATE VIEW audit_actors AS
  SELECT 'api-key:' || k.id AS actor, k.name AS actor_name FROM api_keys k;

-- (a) Every event of an invoice: the events of the invoice aggregate (API-made,
-- imported, and the revenue events the ledger emitted) plus PaymentReceived events
-- that name the invoice. kind: invoice | revenue | payment.
CREATE VIEW audit_invoice_history AS
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
  LEFT JOIN events cause
    ON cause.event_id = CASE WHEN ie.causation_id ~ '^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$'
                             THEN ie.causation_id::uuid END;

-- Every delivery attempt the bus recorded for an event, per subscriber:
--   failed   an attempt that threw (failed_attempts: attempt number, error, timing)
--   applied  the subscriber's effect committed (inbox row; its attempt number is not
--            recorded: it is the attempt after the last failed one, or one that was
--            never reported because the worker died and the job expired)
--   archived the job failed for good and sits in failed_job_archive (replay_count
--            says whether an operator sent it back; see ArchiveReplayed events)
--
-- The inbox's key is (subscriber, event_id) and it has no index on event_id alone
-- (one more index on the worker's hottest insert is not worth an audit query), so
-- the inbox part walks the few subscriber names first (a loose index scan: one probe
-- per subscriber) and looks each (subscriber, event_id) up in the key: a filter on
-- event_id then costs a few index probes instead of a scan of the whole inbox.
CREATE VIEW audit_event_attempts AS
  WITH RECURSIVE subscribers (name) AS (
    (SELECT subscriber FROM inbox ORDER BY subscriber LIMIT 1)
    UNION ALL
    SELECT (SELECT i.subscriber FROM inbox i WHERE i.subscriber > s.name ORDER BY i.subscriber LIMIT 1)
    FROM subscribers s WHERE s.name IS NOT NULL
  )
  SELECT f.event_id, f.subscriber, f.queue,
         CASE WHEN f.poison THEN 'poison' ELSE 'failed' END AS outcome,
         f.attempt, f.job_id, f.started_at, f.failed_at AS finished_at,
         f.error_message, NULL::integer AS replay_count, f.id AS record_id
  FROM failed_attempts f
  WHERE f.event_id IS NOT NULL
  UNION ALL
  SELECT i.event_id, i.subscriber, i.subscriber AS queue, 'applied', NULL, NULL, NULL, i.processed_at,
         NULL, NULL, NULL
  FROM subscribers s
  JOIN inbox i ON i.subscriber = s.name
  UNION ALL
  SELECT r.event_id, r.subscriber, r.queue, 'archived', r.attempts, r.job_id, r.first_attempt_at, r.archived_at,
         r.error_message, r.replay_count, r.id
  FROM failed_job_archive r
  WHERE r.event_id IS NOT NULL;

-- (b) The causal chain of each invoice event (not the revenue events themselves):
-- one row per step, in order: the event, then its attempts per subscriber, the
-- ledger entries it caused (ledger_entries.event_id) and the revenue events it caused
-- (events.causation_id). ORDER BY position, step_order, at.
CREATE VIEW audit_invoice_chain AS
  -- One LATERAL per event (not a CTE used four times, which Postgres would
  -- materialise for every invoice before the invoice_id filter could apply).
  SELECT r.invoice_id, r.position, r.event_id, r.type AS event_type, s.*
  FROM audit_invoice_history r
  CROSS JOIN LATERAL (
    SELECT 0 AS step_order, 'event' AS step, r.recorded_at AS at,
           r.actor AS actor, NULL::text AS subscriber, NULL::text AS outcome, NULL::integer AS attempt,
           NULL::text AS error_message, NULL::bigint AS entry_id, NULL::text AS entry_kind,
           NULL::uuid AS revenue_event_id, NULL::bigint AS revenue_amount,
           jsonb_build_object('occurredAt', r.occurred_at, 'correlationId', r.correlation_id,
                              'causationId', r.causation_id, 'source', r.source) AS detail
    UNION ALL
    SELECT 1, 'attempt', COALESCE(t.finished_at, t.started_at),
           NULL, t.subscriber, t.outcome, t.attempt, t.error_message, NULL, NULL, NULL, NULL,
           jsonb_build_object('jobId', t.job_id, 'startedAt', t.started_at, 'replayCount', t.replay_count)
    FROM audit_event_attempts t
    WHERE t.event_id = r.event_id
    UNION ALL
    SELECT 2, 'ledger_entry', le.recorded_at,
           NULL, NULL, NULL, NULL, NULL, le.entry_id, le.kind, NULL, NULL,
           jsonb_build_object('entryDate', le.entry_date, 'originDate', le.origin_date, 'currency', le.currency,
                              'accountsReceivable', le.accounts_receivable, 'cash', le.cash,
                              'deferredRevenue', le.deferred_revenue, 'revenue', le.revenue,
                              'taxPayable', le.tax_payable, 'customerCredit', le.customer_credit)
    FROM ledger_entries le
    WHERE le.invoice_id = r.invoice_id AND le.event_id = r.event_id
    UNION ALL
    SELECT 3, 'revenue_event', rev.recorded_at,
           rev.actor, NULL, NULL, NULL, NULL, (rev.data ->> 'entryId')::bigint, NULL, rev.event_id,
           (rev.data ->> 'amount')::bigint,
           jsonb_build_object('type', rev.type, 'currency', rev.data ->> 'currency', 'postedOn', rev.data ->> 'postedOn',
                              'correlationId', rev.correlation_id, 'causationId', rev.causation_id)
    FROM events rev
    WHERE rev.aggregate_type = 'invoice' AND rev.aggregate_id = r.invoice_id
      AND rev.type LIKE 'Revenue%' AND rev.causation_id = r.event_id::text
  ) s
  WHERE r.kind <> 'revenue';

-- (c) Every ledger entry that moved Revenue, with its cause. revenue_change is the
-- revenue earned by the entry (credit positive). The cause is the invoice event that
-- caused it, or for recognition entries (event_id NULL) the run named in `note`:
-- 'daily-recognition:<day>' (the scheduled run, actor 'revenue') or
-- 'period-close:<YYYY-MM>' (joined to that PeriodClosed event and its actor).
-- Filter on period ('YYYY-MM', the month the entry is posted in) and currency.
CREATE VIEW audit_revenue_changes AS
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
  LEFT JOIN events ev ON ev.event_id = le.event_id
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

-- (d) Operator actions: API keys created (id, name, scopes; never the token), failed
-- jobs replayed from the archive, periods closed; each with its actor.
CREATE VIEW audit_operator_actions AS
  SELECT e.position, e.event_id, e.type, e.aggregate_id AS subject, e.occurred_at, e.recorded_at,
         e.actor, a.actor_name, e.source, e.correlation_id, e.data
  FROM events e
  LEFT JOIN audit_actors a ON a.actor = e.actor
  WHERE e.type IN ('ApiKeyCreated', 'ArchiveReplayed', 'PeriodClosed');
