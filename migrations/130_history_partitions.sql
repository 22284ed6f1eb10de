-- Issue 15: append-only history partitioned by month (native declarative partitioning),
-- partitions created ahead of time by `accrue migrate` and the worker's retention
-- schedule. This migration adds the machinery; 131 partitions ledger_entries.
--
-- history_partitions(parent): the partitions of a partitioned history table with their
--   bounds as timestamps (UTC), so overlaps can be found whatever the key's type.
-- create_history_partitions(first_month, months): for each history table, creates the
--   monthly partitions first_month .. first_month + months - 1 that are missing, each with
--   what a partition does not inherit: the parent's BEFORE TRUNCATE triggers (row triggers
--   are cloned by PostgreSQL, statement TRUNCATE triggers are not: `TRUNCATE
--   ledger_entries_2027_01` would otherwise succeed) and the parent's SELECT grants (only
--   SELECT: rows are inserted through the parent, whose statement triggers — the closed
--   period check, the posted totals — a direct insert into a partition would skip).
--   SECURITY DEFINER: the runtime role (the worker) may not create tables nor own the
--   parent; it may only create these months of these tables. Returns one row per month:
--   created | exists | covered (an older, wider partition holds the range, e.g. the table
--   attached whole by the migration) | blocked (the DEFAULT partition already holds rows
--   of that month: creating it would fail; the rows stay where they are and are found by
--   the DEFAULT partition's row count, see docs/scaling.md). On a new install (no
--   partition but DEFAULT) the first call also makes <parent>_before_YYYY_MM, every date
--   before its first month, so back-dated history does not land in DEFAULT.

CREATE FUNCTION history_partitions(parent regclass)
RETURNS TABLE (partition regclass, is_default boolean, lower_bound timestamptz, upper_bound timestamptz)
LANGUAGE sql STABLE SET TimeZone = 'UTC' AS $$
  SELECT c.oid::regclass,
         b.expr = 'DEFAULT',
         CASE WHEN m[1] IS NULL THEN NULL WHEN m[1] = 'MINVALUE' THEN '-infinity'::timestamptz ELSE btrim(m[1], '''')::timestamptz END,
         CASE WHEN m[2] IS NULL THEN NULL WHEN m[2] = 'MAXVALUE' THEN 'infinity'::timestamptz ELSE btrim(m[2], '''')::timestamptz END
  FROM pg_inherits i
  JOIN pg_class c ON c.oid = i.inhrelid
  CROSS JOIN LATERAL (SELECT pg_get_expr(c.relpartbound, c.oid) AS expr) b
  LEFT JOIN LATERAL regexp_match(b.expr, '^FOR VALUES FROM \((.*)\) TO \((.*)\)$') m ON true
  WHERE i.inhparent = parent
$$;

-- What a new partition does not inherit from its parent: the BEFORE TRUNCATE triggers
-- and the SELECT grants (see above).
CREATE FUNCTION history_partition_protections(parent regclass, name text) RETURNS void
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  trg record;
  acl record;
BEGIN
  FOR trg IN
    SELECT t.tgname, t.tgfoid::regproc AS fn FROM pg_trigger t
    WHERE t.tgrelid = parent AND NOT t.tgisinternal AND (t.tgtype & 32) <> 0   -- TRUNCATE
  LOOP
    EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION %s()', trg.tgname, name, trg.fn);
  END LOOP;
  FOR acl IN
    SELECT a.grantee FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a
    WHERE c.oid = parent AND a.privilege_type = 'SELECT' AND a.grantee <> c.relowner
  LOOP
    EXECUTE format('GRANT SELECT ON %I TO %s', name, CASE WHEN acl.grantee = 0 THEN 'PUBLIC' ELSE acl.grantee::regrole::text END);
  END LOOP;
END $$;

CREATE FUNCTION create_history_partitions(first_month date, months integer)
RETURNS TABLE (partition text, status text)
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp
SET TimeZone = 'UTC'
-- CREATE TABLE … PARTITION OF locks the parent: wait a little, never stall the writers.
SET lock_timeout = '5s'
AS $$
DECLARE
  parent regclass;
  key text;
  key_type regtype;
  m date;
  lo timestamptz;
  hi timestamptz;
  name text;
  def regclass;
  has_rows boolean;
BEGIN
  IF months < 1 OR months > 24 THEN
    RAISE EXCEPTION 'months must be 1..24, got %', months USING ERRCODE = 'invalid_parameter_value';
  END IF;
  FOR parent IN
    SELECT p.partrelid::regclass FROM pg_partitioned_table p
    WHERE p.partrelid IN (to_regclass('public.ledger_entries'), to_regclass('public.events'))
    ORDER BY p.partrelid::regclass::text
  LOOP
    SELECT a.attname, a.atttypid::regtype INTO key, key_type
    FROM pg_partitioned_table p JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]
    WHERE p.partrelid = parent;
    SELECT h.partition INTO def FROM history_partitions(parent) h WHERE h.is_default;
    -- The first run on a table with no partition but DEFAULT (a new install) also makes
    -- <parent>_before_YYYY_MM for every earlier date: back-dated history (an import of
    -- past invoices) is normal, and DEFAULT is left to what is dated too far ahead.
    IF NOT EXISTS (SELECT 1 FROM history_partitions(parent) h WHERE NOT h.is_default) THEN
      m := date_trunc('month', first_month)::date;
      name := format('%s_before_%s', parent::text, to_char(m, 'YYYY_MM'));
      partition := name;
      has_rows := false;
      IF def IS NOT NULL THEN
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s WHERE %I < $1::%s)', def, key, key_type) INTO has_rows USING m::timestamptz;
      END IF;
      IF has_rows THEN
        RAISE WARNING '% holds rows dated before %: partition % not created', def, to_char(m, 'YYYY-MM'), name;
        status := 'blocked';
      ELSE
        EXECUTE format('CREATE TABLE %I PARTITION OF %s FOR VALUES FROM (MINVALUE) TO (%L)', name, parent,
                       CASE WHEN key_type = 'date'::regtype THEN m::text ELSE m::timestamptz::text END);
        PERFORM history_partition_protections(parent, name);
        status := 'created';
      END IF;
      RETURN NEXT;
    END IF;
    FOR i IN 0 .. months - 1 LOOP
      m := (date_trunc('month', first_month) + make_interval(months => i))::date;
      lo := m::timestamptz;
      hi := (m + interval '1 month')::timestamptz;
      name := format('%s_%s', parent::text, to_char(m, 'YYYY_MM'));
      partition := name;
      IF to_regclass(format('public.%I', name)) IS NOT NULL THEN   -- not a caller's temporary table of that name
        status := 'exists';
      ELSIF EXISTS (SELECT 1 FROM history_partitions(parent) h
                    WHERE NOT h.is_default AND h.lower_bound < hi AND lo < h.upper_bound) THEN
        status := 'covered';
      ELSE
        has_rows := false;
        IF def IS NOT NULL THEN
          EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s WHERE %I >= $1::%s AND %I < $2::%s)', def, key, key_type, key, key_type)
            INTO has_rows USING lo, hi;
        END IF;
        IF has_rows THEN
          RAISE WARNING '% holds rows of %: partition % not created', def, to_char(m, 'YYYY-MM'), name;
          status := 'blocked';
        ELSE
          EXECUTE format('CREATE TABLE %I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)', name, parent,
                         CASE WHEN key_type = 'date'::regtype THEN m::text ELSE lo::text END,
                         CASE WHEN key_type = 'date'::regtype THEN (m + interval '1 month')::date::text ELSE hi::text END);
          PERFORM history_partition_protections(parent, name);
          status := 'created';
        END IF;
      END IF;
      RETURN NEXT;
    END LOOP;
  END LOOP;
END $$;
-- Functions are executable by PUBLIC by default: only the roles granted it (the runtime
-- role, src/db/grantRuntimeRole.ts) may have the owner create these partitions.
REVOKE EXECUTE ON FUNCTION create_history_partitions(date, integer) FROM PUBLIC;
