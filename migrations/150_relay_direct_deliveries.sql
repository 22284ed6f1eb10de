-- Issue 10: a relay may apply a small batch of events for a subscriber it runs itself
-- (Subscriber.appliesInRelay: revenue, analytics) in the transaction that claims them,
-- instead of making a pg-boss job (docs/subscribers.md "Applied in the relay"). No job
-- row then records the delivery, so the relay counts what it applied here, one row per
-- (minute, subscriber, relay session), added to in the same transaction: the operator's
-- throughput (/v1/ops/throughput, the console) adds these to what the jobs show. The
-- session's pid in the key keeps two relay loops from queueing on one counter row.
CREATE TABLE relay_direct_deliveries (
  minute      timestamptz NOT NULL,
  subscriber  text        NOT NULL,
  backend_pid integer     NOT NULL,
  events      integer     NOT NULL,
  -- Relay lag of those events (event recorded -> claimed), in ms: the sum (for the mean) and the worst.
  lag_ms_sum  float8      NOT NULL,
  lag_ms_max  float8      NOT NULL,
  PRIMARY KEY (minute, subscriber, backend_pid)
);
