-- Circuit breakers of the subscribers that call outside systems (webhooks, the
-- notification webhook channel). The state is shared by every worker process: an
-- endpoint that is down is down for all of them, so they open together and only one
-- probe call at a time (fleet-wide) tests it again. Rows change by compare-and-set
-- on `version` (src/breaker/circuitBreaker.ts), never inside a job's transaction,
-- so a failure is counted even though the job's own transaction rolls back.
--
-- What is open, and until when:
--   SELECT name, state, failures, opened_at, next_attempt_at, last_error
--   FROM circuit_breakers ORDER BY name;

CREATE TABLE circuit_breakers (
  name             text        PRIMARY KEY,
  state            text        NOT NULL DEFAULT 'closed' CHECK (state IN ('closed', 'open', 'half_open')),
  failures         integer     NOT NULL DEFAULT 0,      -- consecutive failures
  opened_at        timestamptz NULL,
  -- open: when the next probe may go; half_open: when the probe's lease ends
  next_attempt_at  timestamptz NULL,
  last_error       text        NULL,
  last_failure_at  timestamptz NULL,
  version          bigint      NOT NULL DEFAULT 0,
  updated_at       timestamptz NOT NULL DEFAULT now()
);
