-- API keys can expire and be revoked (issue 9), and operators can see which keys are
-- still in use before revoking one.
--   expires_at    NULL = never; a key is refused from this instant on.
--   last_used_at  when a request last authenticated with the key, at most a minute
--                 stale: authentication writes it only when the stored value is older
--                 than that, so a busy key costs one UPDATE a minute, not one a request.
ALTER TABLE api_keys
  ADD COLUMN expires_at   timestamptz NULL,
  ADD COLUMN last_used_at timestamptz NULL;

-- (d) Operator actions gain key revocations (ApiKeyRevoked: id and name, never the token).
CREATE OR REPLACE VIEW audit_operator_actions AS
  SELECT e.position, e.event_id, e.type, e.aggregate_id AS subject, e.occurred_at, e.recorded_at,
         e.actor, a.actor_name, e.source, e.correlation_id, e.data
  FROM events e
  LEFT JOIN audit_actors a ON a.actor = e.actor
  WHERE e.type IN ('ApiKeyCreated', 'ApiKeyRevoked', 'ArchiveReplayed', 'PeriodClosed');
