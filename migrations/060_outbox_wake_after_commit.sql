-- The relay's wake-up leaves the write transaction (issue 10). A transaction that ran
-- NOTIFY takes a database-wide lock at commit to queue it, so this statement trigger
-- serialised every commit that wrote events: the invoice write through pgbench did
-- 2,304 tx/s with it and 3,256 without. The application now sends
-- `SELECT pg_notify('accrue_outbox', '')` after the commit, coalesced per pool
-- (src/db/wakeRelay.ts); a writer outside the application (psql, an old process
-- during a rolling deploy) is moved by the relay's poll (ACCRUE_RELAY_POLL_MS).
DROP TRIGGER IF EXISTS outbox_notify_relay ON outbox;
-- The function goes too: nothing else calls it, and a trigger function left behind
-- invites someone to attach it again.
DROP FUNCTION IF EXISTS outbox_notify();
