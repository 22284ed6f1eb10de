-- The event bus: exactly-once effects (inbox), every failed attempt, and the
-- permanent failed-job archive. pg-boss keeps its own tables in schema pgboss.

-- One row per (subscriber, event) applied. Written in the transaction of the
-- subscriber's effect, so a redelivered event finds its row and changes nothing.
-- Keyed on eventId, never on a pg-boss job id (a replayed job gets a new id).
CREATE TABLE inbox (
  subscriber   text        NOT NULL,
  event_id     uuid        NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (subscriber, event_id)
);

-- Every attempt that threw, kept so an operator (and the audit trail) can follow
-- event -> attempts -> archive. Attempts that never reported (the worker died and
-- the job expired) are not here; pg-boss counts them in retry_count.
CREATE TABLE failed_attempts (
  id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  queue         text        NOT NULL,
  subscriber    text        NOT NULL,
  job_id        uuid        NOT NULL,
  event_id      uuid        NULL,      -- NULL when the payload was not an event at all
  event_type    text        NULL,
  attempt       integer     NOT NULL,  -- 1 = first delivery of this job
  poison        boolean     NOT NULL DEFAULT false,
  error_message text        NOT NULL,
  error_stack   text        NULL,
  started_at    timestamptz NOT NULL,
  failed_at     timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX failed_attempts_event ON failed_attempts (event_id, subscriber, attempt);
CREATE INDEX failed_attempts_job ON failed_attempts (job_id, attempt);

-- A job that failed for good (retries exhausted, expired on its last try, or a
-- poison payload). Our own table: pg-boss's dead-letter copies are deleted after
-- their retention, these rows stay until someone deletes them on purpose.
-- One row per failed job; a replay makes a new job, which, if it fails again,
-- gets a row of its own.
CREATE TABLE failed_job_archive (
  id               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  job_id           uuid        NOT NULL UNIQUE, -- the failed job (pg-boss source_id): archiving twice is a no-op
  queue            text        NOT NULL,
  subscriber       text        NOT NULL,
  event_id         uuid        NULL,
  event_type       text        NULL,
  payload          jsonb       NOT NULL,
  poison           boolean     NOT NULL DEFAULT false,
  error_message    text        NOT NULL,
  error_stack      text        NULL,
  attempts         integer     NOT NULL,
  first_attempt_at timestamptz NULL,
  last_attempt_at  timestamptz NULL,
  archived_at      timestamptz NOT NULL DEFAULT now(),
  replay_count     integer     NOT NULL DEFAULT 0,
  last_replayed_at timestamptz NULL
);
CREATE INDEX failed_job_archive_subscriber ON failed_job_archive (subscriber, archived_at);
CREATE INDEX failed_job_archive_event ON failed_job_archive (event_id);
CREATE INDEX failed_job_archive_not_replayed ON failed_job_archive (archived_at) WHERE replay_count = 0;
