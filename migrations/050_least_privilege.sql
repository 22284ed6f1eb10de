-- Least privilege (issue 9). api, relay and worker connect as a runtime role that
-- owns nothing here and holds only SELECT and INSERT on the append-only tables
-- (grants: src/db/grantRuntimeRole.ts, applied at the end of every `accrue migrate`).
-- This migration adds what grants alone cannot say.

-- Closing a month is irreversible; TRUNCATE would reopen every closed month at once
-- (the row trigger of 020 does not fire on TRUNCATE).
CREATE TRIGGER ledger_period_locks_no_truncate BEFORE TRUNCATE ON ledger_period_locks
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

-- One row per archived job sent back to its queue. Replay used to UPDATE
-- failed_job_archive; now the runtime role only appends here, and the trigger below
-- (running as the table owner) keeps replay_count and last_replayed_at, which
-- operators' SQL reads, up to date. No foreign key: the owner may delete archive rows
-- on purpose, and the history of their replays stays.
--
-- Replays of one archived job:
--   SELECT replayed_at, actor, job_id FROM failed_job_replays WHERE archive_id = 42 ORDER BY id;
CREATE TABLE failed_job_replays (
  id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  archive_id  bigint      NOT NULL,   -- failed_job_archive.id
  job_id      uuid        NOT NULL,   -- the new pg-boss job
  actor       text        NOT NULL,
  replayed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX failed_job_replays_archive ON failed_job_replays (archive_id, id);

CREATE FUNCTION failed_job_replays_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'failed_job_replays is append-only: % refused', TG_OP
    USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER failed_job_replays_append_only BEFORE UPDATE OR DELETE ON failed_job_replays
  FOR EACH ROW EXECUTE FUNCTION failed_job_replays_refuse_change();
CREATE TRIGGER failed_job_replays_no_truncate BEFORE TRUNCATE ON failed_job_replays
  FOR EACH STATEMENT EXECUTE FUNCTION failed_job_replays_refuse_change();

-- SECURITY DEFINER: runs as the owner (who may UPDATE the archive) for a runtime role
-- that may not. The search_path is fixed so a caller cannot slip in its own objects.
-- One statement per INSERT (transition table): a 500-row replay chunk costs one UPDATE.
CREATE FUNCTION failed_job_replays_count() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  missing bigint;
BEGIN
  SELECT r.archive_id INTO missing FROM new_replays r
    WHERE NOT EXISTS (SELECT 1 FROM public.failed_job_archive a WHERE a.id = r.archive_id) LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'failed_job_archive row % does not exist', missing USING ERRCODE = 'foreign_key_violation';
  END IF;
  UPDATE public.failed_job_archive a
     SET replay_count = a.replay_count + n.replays, last_replayed_at = n.last
    FROM (SELECT archive_id, count(*)::int AS replays, max(replayed_at) AS last
            FROM new_replays GROUP BY archive_id) n
   WHERE a.id = n.archive_id;
  RETURN NULL;
END $$;
CREATE TRIGGER failed_job_replays_counted AFTER INSERT ON failed_job_replays
  REFERENCING NEW TABLE AS new_replays
  FOR EACH STATEMENT EXECUTE FUNCTION failed_job_replays_count();

-- The archive is the record of what failed: a row never changes except the replay
-- counters (and those only grow), and only the table owner deletes rows, on purpose.
-- The runtime role has no UPDATE or DELETE grant at all; this guards against a grant
-- given by mistake and against the owner's own slips.
CREATE FUNCTION failed_job_archive_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'USAGE') THEN
      RETURN OLD;
    END IF;
    RAISE EXCEPTION 'failed_job_archive rows are deleted only by the table owner, not by %', current_user
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF (to_jsonb(NEW) - 'replay_count' - 'last_replayed_at') IS DISTINCT FROM (to_jsonb(OLD) - 'replay_count' - 'last_replayed_at')
     OR NEW.replay_count < OLD.replay_count THEN
    RAISE EXCEPTION 'failed_job_archive is append-only: only replay_count and last_replayed_at change, through failed_job_replays'
      USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER failed_job_archive_append_only BEFORE UPDATE OR DELETE ON failed_job_archive
  FOR EACH ROW EXECUTE FUNCTION failed_job_archive_guard();
