-- Webhook endpoints as a product (issue 13, part 1): endpoints registered through
-- /v1/webhook-endpoints, one delivery per (event, endpoint), each attempt recorded.
-- The single-URL setting (ACCRUE_WEBHOOK_URL) becomes the endpoint with from_config.
-- webhook_deliveries (migration 032) stays as the history of the single-URL subscriber.
--
-- What an endpoint got lately, and what answered:
--   SELECT d.created_at, d.event_type, d.status, d.attempts, d.last_status_code
--     FROM webhook_endpoint_deliveries d WHERE d.endpoint_id = '<id>'
--    ORDER BY d.id DESC LIMIT 20;
-- Every attempt of one delivery:
--   SELECT attempt, started_at, status_code, latency_ms, error
--     FROM webhook_delivery_attempts WHERE delivery_id = '<id>' ORDER BY attempt;

CREATE TABLE webhook_endpoints (
  id                         uuid        PRIMARY KEY,                -- UUIDv7
  url                        text        NOT NULL,
  event_types                text[]      NULL,                       -- NULL: every event type ('*')
  description                text        NOT NULL DEFAULT '',
  enabled                    boolean     NOT NULL DEFAULT true,
  -- The signing secrets (whsec_<base64>). Kept readable: every delivery is signed with
  -- them. During a rotation's overlap both sign (previous_secret until its expiry).
  secret                     text        NOT NULL,
  previous_secret            text        NULL,
  previous_secret_expires_at timestamptz NULL,
  from_config                boolean     NOT NULL DEFAULT false,     -- made from ACCRUE_WEBHOOK_URL at start
  -- Set by the first failure after a success; the endpoint is disabled once it has
  -- failed continuously for ACCRUE_WEBHOOK_DISABLE_AFTER.
  failing_since              timestamptz NULL,
  disabled_reason            text        NULL,
  created_at                 timestamptz NOT NULL DEFAULT now(),
  updated_at                 timestamptz NOT NULL DEFAULT now(),
  deleted_at                 timestamptz NULL                        -- deleted endpoints keep their delivery history
);
CREATE UNIQUE INDEX webhook_endpoints_from_config ON webhook_endpoints (from_config) WHERE from_config AND deleted_at IS NULL;
CREATE INDEX webhook_endpoints_live ON webhook_endpoints (id) WHERE enabled AND deleted_at IS NULL;

CREATE TABLE webhook_endpoint_deliveries (
  id               uuid        PRIMARY KEY,                          -- UUIDv7: the list's cursor order
  endpoint_id      uuid        NOT NULL REFERENCES webhook_endpoints (id),
  event_id         uuid        NOT NULL,                             -- the webhook-id the receiver sees
  event_type       text        NOT NULL,
  status           text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'succeeded', 'failed')),
  attempts         integer     NOT NULL DEFAULT 0,
  -- While 'sending': the attempt's claim lasts until then; a worker that died
  -- mid-attempt leaves it to the job's retry after that.
  lease_until      timestamptz NULL,
  next_attempt_at  timestamptz NULL,
  last_status_code integer     NULL,
  last_error       text        NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_endpoint_deliveries_list ON webhook_endpoint_deliveries (endpoint_id, id DESC);

CREATE TABLE webhook_delivery_attempts (
  delivery_id   uuid        NOT NULL REFERENCES webhook_endpoint_deliveries (id),
  attempt       integer     NOT NULL,
  started_at    timestamptz NOT NULL,
  status_code   integer     NULL,       -- NULL: no answer (refused, timed out, reset, refused by the SSRF check)
  latency_ms    integer     NOT NULL,
  response_body text        NULL,       -- the first KiB of the answer
  error         text        NULL,
  PRIMARY KEY (delivery_id, attempt)
);
