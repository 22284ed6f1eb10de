CREATE SCHEMA public;

COMMENT ON SCHEMA public IS 'standard public schema';

CREATE FUNCTION public.accrue_uuidv7() RETURNS uuid
    LANGUAGE sql
    AS $$
  SELECT encode(
    set_bit(set_bit(
      overlay(uuid_send(gen_random_uuid())
              PLACING substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
              FROM 1 FOR 6),
      52, 1), 53, 1), 'hex')::uuid
$$;

CREATE FUNCTION public.analytics_aging(as_of date) RETURNS TABLE(currency character, current bigint, days_1_30 bigint, days_31_60 bigint, days_61_90 bigint, days_over_90 bigint, total bigint)
    LANGUAGE sql STABLE
    AS $$
  SELECT b.currency,
         COALESCE(sum(b.balance) FILTER (WHERE b.days_past_due IS NULL OR b.days_past_due <= 0), 0)::bigint,
         COALESCE(sum(b.balance) FILTER (WHERE b.days_past_due BETWEEN 1 AND 30), 0)::bigint,
         COALESCE(sum(b.balance) FILTER (WHERE b.days_past_due BETWEEN 31 AND 60), 0)::bigint,
         COALESCE(sum(b.balance) FILTER (WHERE b.days_past_due BETWEEN 61 AND 90), 0)::bigint,
         COALESCE(sum(b.balance) FILTER (WHERE b.days_past_due > 90), 0)::bigint,
         sum(b.balance)::bigint
  FROM analytics_open_balances(as_of) b
  GROUP BY b.currency
$$;

CREATE FUNCTION public.analytics_monthly(as_of date) RETURNS TABLE(currency character, month text, invoiced bigint, collected bigint, outstanding bigint, overdue bigint)
    LANGUAGE sql STABLE
    AS $$
  WITH issued AS (
    SELECT i.currency, to_char(i.issued_on, 'YYYY-MM') AS month, sum(i.total) AS invoiced
    FROM analytics_invoices i
    WHERE i.currency IS NOT NULL AND i.issued_on <= as_of AND (i.voided_on IS NULL OR i.voided_on > as_of)
    GROUP BY 1, 2
  ), paid AS (
    SELECT i.currency, to_char(p.received_on, 'YYYY-MM') AS month, sum(p.amount) AS collected
    FROM analytics_payments p JOIN analytics_invoices i USING (invoice_id)
    WHERE i.currency IS NOT NULL AND p.received_on <= as_of
    GROUP BY 1, 2
  ), open AS (
    SELECT b.currency, to_char(b.issued_on, 'YYYY-MM') AS month, sum(b.balance) AS outstanding,
           sum(b.balance) FILTER (WHERE b.days_past_due > 0) AS overdue
    FROM analytics_open_balances(as_of) b
    GROUP BY 1, 2
  ), months AS (
    SELECT issued.currency, issued.month FROM issued UNION SELECT paid.currency, paid.month FROM paid
  )
  SELECT m.currency, m.month,
         COALESCE(issued.invoiced, 0)::bigint, COALESCE(paid.collected, 0)::bigint,
         COALESCE(open.outstanding, 0)::bigint, COALESCE(open.overdue, 0)::bigint
  FROM months m
  LEFT JOIN issued ON issued.currency = m.currency AND issued.month = m.month
  LEFT JOIN paid ON paid.currency = m.currency AND paid.month = m.month
  LEFT JOIN open ON open.currency = m.currency AND open.month = m.month
$$;

CREATE FUNCTION public.analytics_open_balances(as_of date) RETURNS TABLE(invoice_id text, currency character, issued_on date, due_date date, balance bigint, days_past_due integer)
    LANGUAGE sql STABLE
    AS $$
  SELECT i.invoice_id, i.currency, i.issued_on, COALESCE(i.due_date, i.overdue_due_date),
         (i.total - COALESCE(p.paid, 0))::bigint,
         as_of - COALESCE(i.due_date, i.overdue_due_date)
  FROM analytics_invoices i
  LEFT JOIN (SELECT ap.invoice_id, sum(ap.amount) AS paid FROM analytics_payments ap
             WHERE ap.received_on <= as_of GROUP BY ap.invoice_id) p USING (invoice_id)
  WHERE i.currency IS NOT NULL AND i.issued_on <= as_of
    AND (i.voided_on IS NULL OR i.voided_on > as_of)
    AND i.total - COALESCE(p.paid, 0) > 0
$$;

CREATE FUNCTION public.create_history_partitions(first_month date, months integer) RETURNS TABLE(partition text, status text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    SET "TimeZone" TO 'UTC'
    SET lock_timeout TO '5s'
    AS $_$
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
END $_$;

CREATE FUNCTION public.events_record_keys() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  INSERT INTO event_keys (position, event_id, recorded_at) SELECT position, event_id, recorded_at FROM new_events;
  IF EXISTS (SELECT 1 FROM new_events WHERE external_id IS NOT NULL) THEN
    -- The append path claimed these already (same event_id: nothing to do here).
    INSERT INTO event_external_ids (source, external_id, event_id)
      SELECT source, external_id, event_id FROM new_events WHERE external_id IS NOT NULL
      ON CONFLICT DO NOTHING;
    IF EXISTS (SELECT 1 FROM new_events n JOIN event_external_ids x ON x.source = n.source AND x.external_id = n.external_id
               WHERE x.event_id <> n.event_id) THEN
      RAISE EXCEPTION 'an event with this (source, external_id) is already stored'
        USING ERRCODE = 'unique_violation', CONSTRAINT = 'event_external_ids_pkey';
    END IF;
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION public.events_refuse_change() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  RAISE EXCEPTION 'events are append-only: % refused', TG_OP
    USING ERRCODE = 'restrict_violation';
END $$;

CREATE FUNCTION public.failed_job_archive_guard() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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

CREATE FUNCTION public.failed_job_replays_count() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
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

CREATE FUNCTION public.failed_job_replays_refuse_change() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  RAISE EXCEPTION 'failed_job_replays is append-only: % refused', TG_OP
    USING ERRCODE = 'restrict_violation';
END $$;

CREATE FUNCTION public.history_partition_protections(parent regclass, name text) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
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

CREATE FUNCTION public.history_partitions(parent regclass) RETURNS TABLE(partition regclass, is_default boolean, lower_bound timestamp with time zone, upper_bound timestamp with time zone)
    LANGUAGE sql STABLE
    SET "TimeZone" TO 'UTC'
    AS $_$
  SELECT c.oid::regclass,
         b.expr = 'DEFAULT',
         CASE WHEN m[1] IS NULL THEN NULL WHEN m[1] = 'MINVALUE' THEN '-infinity'::timestamptz ELSE btrim(m[1], '''')::timestamptz END,
         CASE WHEN m[2] IS NULL THEN NULL WHEN m[2] = 'MAXVALUE' THEN 'infinity'::timestamptz ELSE btrim(m[2], '''')::timestamptz END
  FROM pg_inherits i
  JOIN pg_class c ON c.oid = i.inhrelid
  CROSS JOIN LATERAL (SELECT pg_get_expr(c.relpartbound, c.oid) AS expr) b
  LEFT JOIN LATERAL regexp_match(b.expr, '^FOR VALUES FROM \((.*)\) TO \((.*)\)$') m ON true
  WHERE i.inhparent = parent
$_$;

CREATE FUNCTION public.insert_invoice_with_event(invoice_id text, customer_id text, currency text, status text, issued_at date, due_date date, lines jsonb, total bigint, tax bigint, amount_paid bigint, version integer, event_id uuid, event_type text, schema_version integer, aggregate_type text, aggregate_version integer, occurred_at date, correlation_id text, causation_id text, traceparent text, actor text, source text, external_id text, data jsonb, OUT created_at timestamp with time zone, OUT updated_at timestamp with time zone) RETURNS record
    LANGUAGE plpgsql
    AS $_$
#variable_conflict use_column
DECLARE
  appended bigint;
BEGIN
  INSERT INTO invoices (id, customer_id, currency, status, issued_at, due_date, lines, total, tax, amount_paid, version)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
  RETURNING invoices.created_at, invoices.updated_at INTO created_at, updated_at;
  INSERT INTO events (event_id, type, schema_version, aggregate_type, aggregate_id, aggregate_version, occurred_at,
                      correlation_id, causation_id, traceparent, actor, source, external_id, data)
  VALUES ($12, $13, $14, $15, $1, $16, $17, $18, $19, $20, $21, $22, $23, $24)
  RETURNING position INTO appended;
  INSERT INTO outbox (position) VALUES (appended);
END $_$;

CREATE FUNCTION public.ledger_add_posted_totals() RETURNS trigger
    LANGUAGE plpgsql
    SET enable_seqscan TO 'off'
    AS $$
BEGIN
  WITH sums AS MATERIALIZED (
    SELECT invoice_id, CASE WHEN kind = 'recognition' THEN date_trunc('month', origin_date)::date ELSE origin_date END AS bucket,
           kind, coalesce(line_id, '') AS line_id, coalesce(payment_id, '') AS payment_id, max(origin_date) AS last_origin,
           sum(accounts_receivable) AS accounts_receivable, sum(cash) AS cash, sum(deferred_revenue) AS deferred_revenue,
           sum(revenue) AS revenue, sum(tax_payable) AS tax_payable, sum(customer_credit) AS customer_credit
    FROM new_entries
    GROUP BY 1, 2, 3, 4, 5
  ), seen AS MATERIALIZED (
    SELECT s.*, k.known IS NOT NULL AS known
    FROM sums s
    LEFT JOIN LATERAL (
      SELECT true AS known FROM ledger_posted_totals t
      WHERE t.invoice_id = s.invoice_id AND t.bucket = s.bucket AND t.kind = s.kind AND t.line_id = s.line_id AND t.payment_id = s.payment_id
      LIMIT 1) k ON true
  ), fresh AS (
    INSERT INTO ledger_posted_totals (invoice_id, bucket, kind, line_id, payment_id, last_origin, accounts_receivable,
                                      cash, deferred_revenue, revenue, tax_payable, customer_credit)
    SELECT invoice_id, bucket, kind, line_id, payment_id, last_origin, accounts_receivable,
           cash, deferred_revenue, revenue, tax_payable, customer_credit
    FROM seen WHERE NOT known
    ORDER BY 1, 2, 3, 4, 5
  )
  INSERT INTO ledger_posted_totals AS t (invoice_id, bucket, kind, line_id, payment_id, last_origin, accounts_receivable,
                                         cash, deferred_revenue, revenue, tax_payable, customer_credit)
  SELECT invoice_id, bucket, kind, line_id, payment_id, last_origin, accounts_receivable,
         cash, deferred_revenue, revenue, tax_payable, customer_credit
  FROM seen WHERE known
  ORDER BY 1, 2, 3, 4, 5                                  -- one lock order for concurrent postings
  ON CONFLICT (invoice_id, bucket, kind, line_id, payment_id) DO UPDATE SET
    last_origin = GREATEST(t.last_origin, excluded.last_origin),
    accounts_receivable = t.accounts_receivable + excluded.accounts_receivable,
    cash = t.cash + excluded.cash,
    deferred_revenue = t.deferred_revenue + excluded.deferred_revenue,
    revenue = t.revenue + excluded.revenue,
    tax_payable = t.tax_payable + excluded.tax_payable,
    customer_credit = t.customer_credit + excluded.customer_credit;
  RETURN NULL;
END $$;

CREATE FUNCTION public.ledger_refuse_change() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  RAISE EXCEPTION 'ledger entries are append-only: % refused (post a correcting entry instead)', TG_OP
    USING ERRCODE = 'restrict_violation';
END $$;

CREATE FUNCTION public.ledger_refuse_locked_period() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
  locked char(7);
  bad record;
BEGIN
  SELECT max(period) INTO locked FROM ledger_period_locks;
  IF locked IS NULL THEN RETURN NULL; END IF;
  SELECT entry_id, entry_date INTO bad FROM new_entries WHERE period <= locked LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'entry dated % falls in a closed period (closed through %)', bad.entry_date, locked
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION public.revenue_invoices_refuse_orphan_lines() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
  orphan text;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    SELECT l.invoice_id INTO orphan FROM revenue_lines l LIMIT 1;
  ELSE
    SELECT o.invoice_id INTO orphan FROM old_books o
    WHERE EXISTS (SELECT 1 FROM revenue_lines l WHERE l.invoice_id = o.invoice_id)
      AND NOT EXISTS (SELECT 1 FROM revenue_invoices i WHERE i.invoice_id = o.invoice_id) LIMIT 1;
  END IF;
  IF orphan IS NOT NULL THEN
    RAISE EXCEPTION 'book of invoice % still has revenue lines (revenue_lines)', orphan
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'revenue_lines_invoice_id_fkey', TABLE = 'revenue_invoices';
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION public.revenue_invoices_refuse_renamed_with_lines() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM revenue_lines l WHERE l.invoice_id = OLD.invoice_id)
     AND NOT EXISTS (SELECT 1 FROM revenue_invoices i WHERE i.invoice_id = OLD.invoice_id) THEN
    RAISE EXCEPTION 'book of invoice % still has revenue lines (revenue_lines)', OLD.invoice_id
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'revenue_lines_invoice_id_fkey', TABLE = 'revenue_invoices';
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION public.revenue_lines_refuse_missing_book() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
  missing text;
BEGIN
  SELECT n.invoice_id INTO missing FROM new_lines n
  WHERE NOT EXISTS (SELECT 1 FROM revenue_invoices i WHERE i.invoice_id = n.invoice_id) LIMIT 1;
  IF missing IS NOT NULL THEN
    RAISE EXCEPTION 'revenue line of invoice % has no book (revenue_invoices)', missing
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'revenue_lines_invoice_id_fkey', TABLE = 'revenue_lines';
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION public.revenue_lines_refuse_moved_to_missing_book() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM revenue_invoices i WHERE i.invoice_id = NEW.invoice_id) THEN
    RAISE EXCEPTION 'revenue line of invoice % has no book (revenue_invoices)', NEW.invoice_id
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'revenue_lines_invoice_id_fkey', TABLE = 'revenue_lines';
  END IF;
  RETURN NULL;
END $$;

CREATE TABLE public.analytics_invoices (
    invoice_id text NOT NULL,
    customer_id text,
    currency character(3),
    issued_on date,
    due_date date,
    overdue_due_date date,
    total bigint,
    tax bigint,
    version integer DEFAULT 0 NOT NULL,
    "position" bigint DEFAULT 0 NOT NULL,
    voided_on date,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE public.analytics_payments (
    invoice_id text NOT NULL,
    payment_id text NOT NULL,
    amount bigint NOT NULL,
    received_on date NOT NULL,
    CONSTRAINT analytics_payments_amount_check CHECK ((amount >= 0))
);

CREATE VIEW public.analytics_invoice_status AS
 SELECT i.invoice_id,
    i.customer_id,
    i.currency,
    i.issued_on,
    COALESCE(i.due_date, i.overdue_due_date) AS due_date,
    i.total,
    i.tax,
    i.voided_on,
    (COALESCE(p.paid, (0)::numeric))::bigint AS amount_paid,
    (
        CASE
            WHEN (i.voided_on IS NOT NULL) THEN (0)::numeric
            ELSE GREATEST(((i.total)::numeric - COALESCE(p.paid, (0)::numeric)), (0)::numeric)
        END)::bigint AS amount_due,
        CASE
            WHEN (i.voided_on IS NOT NULL) THEN 'void'::text
            WHEN (COALESCE(p.paid, (0)::numeric) >= (i.total)::numeric) THEN 'paid'::text
            ELSE 'open'::text
        END AS status
   FROM (public.analytics_invoices i
     LEFT JOIN ( SELECT analytics_payments.invoice_id,
            sum(analytics_payments.amount) AS paid
           FROM public.analytics_payments
          GROUP BY analytics_payments.invoice_id) p USING (invoice_id))
  WHERE (i.currency IS NOT NULL);

CREATE TABLE public.analytics_invoices_snapshot (
    invoice_id text NOT NULL,
    customer_id text,
    currency character(3),
    issued_on date,
    due_date date,
    overdue_due_date date,
    total bigint,
    tax bigint,
    version integer NOT NULL,
    "position" bigint NOT NULL,
    voided_on date,
    updated_at timestamp with time zone NOT NULL
);

CREATE TABLE public.analytics_payments_snapshot (
    invoice_id text NOT NULL,
    payment_id text NOT NULL,
    amount bigint NOT NULL,
    received_on date NOT NULL
);

CREATE TABLE public.api_keys (
    id text NOT NULL,
    name text NOT NULL,
    token_hash text NOT NULL,
    scopes text[] NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    revoked_at timestamp with time zone,
    expires_at timestamp with time zone,
    last_used_at timestamp with time zone
);

CREATE VIEW public.audit_actors AS
 SELECT ('api-key:'::text || k.id) AS actor,
    k.name AS actor_name
   FROM public.api_keys k;

CREATE TABLE public.failed_attempts (
    id bigint NOT NULL,
    queue text NOT NULL,
    subscriber text NOT NULL,
    job_id uuid NOT NULL,
    event_id uuid,
    event_type text,
    attempt integer NOT NULL,
    poison boolean DEFAULT false NOT NULL,
    error_message text NOT NULL,
    error_stack text,
    started_at timestamp with time zone NOT NULL,
    failed_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL
);

CREATE TABLE public.failed_job_archive (
    id bigint NOT NULL,
    job_id uuid NOT NULL,
    queue text NOT NULL,
    subscriber text NOT NULL,
    event_id uuid,
    event_type text,
    payload jsonb NOT NULL,
    poison boolean DEFAULT false NOT NULL,
    error_message text NOT NULL,
    error_stack text,
    attempts integer NOT NULL,
    first_attempt_at timestamp with time zone,
    last_attempt_at timestamp with time zone,
    archived_at timestamp with time zone DEFAULT now() NOT NULL,
    replay_count integer DEFAULT 0 NOT NULL,
    last_replayed_at timestamp with time zone
);

CREATE TABLE public.inbox (
    subscriber text NOT NULL,
    event_id uuid NOT NULL,
    processed_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE VIEW public.audit_event_attempts AS
 WITH RECURSIVE subscribers(name) AS (
        ( SELECT inbox.subscriber
           FROM public.inbox
          ORDER BY inbox.subscriber
         LIMIT 1)
        UNION ALL
         SELECT ( SELECT i.subscriber
                   FROM public.inbox i
                  WHERE (i.subscriber > s.name)
                  ORDER BY i.subscriber
                 LIMIT 1) AS subscriber
           FROM subscribers s
          WHERE (s.name IS NOT NULL)
        )
 SELECT f.event_id,
    f.subscriber,
    f.queue,
        CASE
            WHEN f.poison THEN 'poison'::text
            ELSE 'failed'::text
        END AS outcome,
    f.attempt,
    f.job_id,
    f.started_at,
    f.failed_at AS finished_at,
    f.error_message,
    NULL::integer AS replay_count,
    f.id AS record_id
   FROM public.failed_attempts f
  WHERE (f.event_id IS NOT NULL)
UNION ALL
 SELECT i.event_id,
    i.subscriber,
    i.subscriber AS queue,
    'applied'::text AS outcome,
    NULL::integer AS attempt,
    NULL::uuid AS job_id,
    NULL::timestamp with time zone AS started_at,
    i.processed_at AS finished_at,
    NULL::text AS error_message,
    NULL::integer AS replay_count,
    NULL::bigint AS record_id
   FROM (subscribers s
     JOIN public.inbox i ON ((i.subscriber = s.name)))
UNION ALL
 SELECT r.event_id,
    r.subscriber,
    r.queue,
    'archived'::text AS outcome,
    r.attempts AS attempt,
    r.job_id,
    r.first_attempt_at AS started_at,
    r.archived_at AS finished_at,
    r.error_message,
    r.replay_count,
    r.id AS record_id
   FROM public.failed_job_archive r
  WHERE (r.event_id IS NOT NULL);

CREATE TABLE public.event_keys (
    "position" bigint NOT NULL,
    event_id uuid NOT NULL,
    recorded_at timestamp with time zone NOT NULL
);

CREATE TABLE public.events (
    "position" bigint NOT NULL,
    event_id uuid NOT NULL,
    type text NOT NULL,
    schema_version integer NOT NULL,
    aggregate_type text NOT NULL,
    aggregate_id text NOT NULL,
    aggregate_version integer,
    occurred_at date NOT NULL,
    recorded_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    correlation_id text NOT NULL,
    causation_id text,
    traceparent text,
    actor text NOT NULL,
    source text DEFAULT 'api'::text NOT NULL,
    external_id text,
    data jsonb NOT NULL,
    tx_id xid8 DEFAULT pg_current_xact_id() NOT NULL,
    CONSTRAINT events_schema_version_check CHECK ((schema_version >= 1))
)
PARTITION BY RANGE (recorded_at);

CREATE VIEW public.audit_invoice_history AS
 WITH invoice_events AS (
         SELECT e.aggregate_id AS invoice_id,
            e."position",
            e.event_id,
            e.type,
            e.schema_version,
            e.aggregate_type,
            e.aggregate_id,
            e.aggregate_version,
            e.occurred_at,
            e.recorded_at,
            e.correlation_id,
            e.causation_id,
            e.traceparent,
            e.actor,
            e.source,
            e.external_id,
            e.data,
            e.tx_id
           FROM public.events e
          WHERE (e.aggregate_type = 'invoice'::text)
        UNION ALL
         SELECT ids.invoice_id,
            e."position",
            e.event_id,
            e.type,
            e.schema_version,
            e.aggregate_type,
            e.aggregate_id,
            e.aggregate_version,
            e.occurred_at,
            e.recorded_at,
            e.correlation_id,
            e.causation_id,
            e.traceparent,
            e.actor,
            e.source,
            e.external_id,
            e.data,
            e.tx_id
           FROM (public.events e
             CROSS JOIN LATERAL jsonb_array_elements_text(COALESCE((e.data -> 'invoiceIds'::text), '[]'::jsonb)) ids(invoice_id))
          WHERE (e.type = 'PaymentReceived'::text)
        )
 SELECT ie.invoice_id,
    ie."position",
    ie.event_id,
    ie.type,
        CASE
            WHEN (ie.type ~~ 'Revenue%'::text) THEN 'revenue'::text
            WHEN (ie.aggregate_type = 'payment'::text) THEN 'payment'::text
            ELSE 'invoice'::text
        END AS kind,
    ie.aggregate_version,
    ie.occurred_at,
    ie.recorded_at,
    ie.actor,
    a.actor_name,
    ie.source,
    ie.external_id,
    ie.correlation_id,
    ie.causation_id,
    cause.type AS causation_type,
    ie.data
   FROM ((invoice_events ie
     LEFT JOIN public.audit_actors a ON ((a.actor = ie.actor)))
     LEFT JOIN LATERAL ( SELECT c.type
           FROM (public.event_keys k
             CROSS JOIN LATERAL ( SELECT e.type
                   FROM public.events e
                  WHERE ((e."position" = k."position") AND (e.recorded_at = k.recorded_at))
                 OFFSET 0) c)
          WHERE (k.event_id =
                CASE
                    WHEN (ie.causation_id ~ '^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$'::text) THEN (ie.causation_id)::uuid
                    ELSE NULL::uuid
                END)
         OFFSET 0) cause ON (true));

CREATE TABLE public.ledger_entries (
    entry_id bigint NOT NULL,
    currency character(3) NOT NULL,
    entry_date date NOT NULL,
    period character(7) GENERATED ALWAYS AS (((((EXTRACT(year FROM entry_date))::integer)::text || '-'::text) || lpad(((EXTRACT(month FROM entry_date))::integer)::text, 2, '0'::text))) STORED,
    origin_date date NOT NULL,
    kind text NOT NULL,
    invoice_id text NOT NULL,
    line_id text,
    payment_id text,
    event_id uuid,
    note text,
    accounts_receivable bigint DEFAULT 0 NOT NULL,
    cash bigint DEFAULT 0 NOT NULL,
    deferred_revenue bigint DEFAULT 0 NOT NULL,
    revenue bigint DEFAULT 0 NOT NULL,
    tax_payable bigint DEFAULT 0 NOT NULL,
    customer_credit bigint DEFAULT 0 NOT NULL,
    recorded_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    CONSTRAINT ledger_entries_kind_check CHECK ((kind = ANY (ARRAY['invoice_issued'::text, 'recognition'::text, 'invoice_updated'::text, 'revenue_adjusted'::text, 'payment_received'::text, 'revenue_reversed'::text, 'invoice_voided'::text]))),
    CONSTRAINT ledger_entry_balances CHECK (((((((accounts_receivable + cash) + deferred_revenue) + revenue) + tax_payable) + customer_credit) = 0)),
    CONSTRAINT ledger_entry_not_empty CHECK (((accounts_receivable <> 0) OR (cash <> 0) OR (deferred_revenue <> 0) OR (revenue <> 0) OR (tax_payable <> 0) OR (customer_credit <> 0)))
)
PARTITION BY RANGE (entry_date);

CREATE VIEW public.audit_invoice_chain AS
 SELECT r.invoice_id,
    r."position",
    r.event_id,
    r.type AS event_type,
    s.step_order,
    s.step,
    s.at,
    s.actor,
    s.subscriber,
    s.outcome,
    s.attempt,
    s.error_message,
    s.entry_id,
    s.entry_kind,
    s.revenue_event_id,
    s.revenue_amount,
    s.detail
   FROM (public.audit_invoice_history r
     CROSS JOIN LATERAL ( SELECT 0 AS step_order,
            'event'::text AS step,
            r.recorded_at AS at,
            r.actor,
            NULL::text AS subscriber,
            NULL::text AS outcome,
            NULL::integer AS attempt,
            NULL::text AS error_message,
            NULL::bigint AS entry_id,
            NULL::text AS entry_kind,
            NULL::uuid AS revenue_event_id,
            NULL::bigint AS revenue_amount,
            jsonb_build_object('occurredAt', r.occurred_at, 'correlationId', r.correlation_id, 'causationId', r.causation_id, 'source', r.source) AS detail
        UNION ALL
         SELECT 1,
            'attempt'::text AS text,
            COALESCE(t.finished_at, t.started_at) AS "coalesce",
            NULL::text AS text,
            t.subscriber,
            t.outcome,
            t.attempt,
            t.error_message,
            NULL::bigint AS int8,
            NULL::text AS text,
            NULL::uuid AS uuid,
            NULL::bigint AS int8,
            jsonb_build_object('jobId', t.job_id, 'startedAt', t.started_at, 'replayCount', t.replay_count) AS jsonb_build_object
           FROM public.audit_event_attempts t
          WHERE (t.event_id = r.event_id)
        UNION ALL
         SELECT 2,
            'ledger_entry'::text AS text,
            le.recorded_at,
            NULL::text AS text,
            NULL::text AS text,
            NULL::text AS text,
            NULL::integer AS int4,
            NULL::text AS text,
            le.entry_id,
            le.kind,
            NULL::uuid AS uuid,
            NULL::bigint AS int8,
            jsonb_build_object('entryDate', le.entry_date, 'originDate', le.origin_date, 'currency', le.currency, 'accountsReceivable', le.accounts_receivable, 'cash', le.cash, 'deferredRevenue', le.deferred_revenue, 'revenue', le.revenue, 'taxPayable', le.tax_payable, 'customerCredit', le.customer_credit) AS jsonb_build_object
           FROM public.ledger_entries le
          WHERE ((le.invoice_id = r.invoice_id) AND (le.event_id = r.event_id))
        UNION ALL
         SELECT 3,
            'revenue_event'::text AS text,
            rev.recorded_at,
            rev.actor,
            NULL::text AS text,
            NULL::text AS text,
            NULL::integer AS int4,
            NULL::text AS text,
            ((rev.data ->> 'entryId'::text))::bigint AS int8,
            NULL::text AS text,
            rev.event_id,
            ((rev.data ->> 'amount'::text))::bigint AS int8,
            jsonb_build_object('type', rev.type, 'currency', (rev.data ->> 'currency'::text), 'postedOn', (rev.data ->> 'postedOn'::text), 'correlationId', rev.correlation_id, 'causationId', rev.causation_id) AS jsonb_build_object
           FROM public.events rev
          WHERE ((rev.aggregate_type = 'invoice'::text) AND (rev.aggregate_id = r.invoice_id) AND (rev.type ~~ 'Revenue%'::text) AND (rev.causation_id = (r.event_id)::text))) s)
  WHERE (r.kind <> 'revenue'::text);

CREATE VIEW public.audit_operator_actions AS
 SELECT e."position",
    e.event_id,
    e.type,
    e.aggregate_id AS subject,
    e.occurred_at,
    e.recorded_at,
    e.actor,
    a.actor_name,
    e.source,
    e.correlation_id,
    e.data
   FROM (public.events e
     LEFT JOIN public.audit_actors a ON ((a.actor = e.actor)))
  WHERE (e.type = ANY (ARRAY['ApiKeyCreated'::text, 'ApiKeyRevoked'::text, 'ArchiveReplayed'::text, 'PeriodClosed'::text]));

CREATE VIEW public.audit_revenue_changes AS
 SELECT le.period,
    le.currency,
    le.entry_id,
    le.entry_date,
    le.origin_date,
    le.kind,
    le.invoice_id,
    le.line_id,
    (- le.revenue) AS revenue_change,
    (- le.deferred_revenue) AS deferred_revenue_change,
    le.recorded_at,
        CASE
            WHEN (le.event_id IS NOT NULL) THEN 'event'::text
            WHEN (le.note ~~ 'period-close:%'::text) THEN 'period_close'::text
            WHEN (le.note ~~ 'daily-recognition:%'::text) THEN 'daily_recognition'::text
            ELSE 'other'::text
        END AS cause,
    COALESCE(ev.event_id, pc.event_id) AS cause_event_id,
    COALESCE(ev.type, pc.type) AS cause_type,
    COALESCE(ev.actor, pc.actor,
        CASE
            WHEN (le.note ~~ 'daily-recognition:%'::text) THEN 'revenue'::text
            ELSE NULL::text
        END) AS cause_actor,
    a.actor_name AS cause_actor_name,
    COALESCE(ev.correlation_id, pc.correlation_id, le.note) AS cause_correlation_id,
    COALESCE(ev.occurred_at, pc.occurred_at) AS cause_occurred_at,
    COALESCE(ev.recorded_at, pc.recorded_at) AS cause_recorded_at,
    rev.event_id AS revenue_event_id,
    rev.type AS revenue_event_type
   FROM ((((public.ledger_entries le
     LEFT JOIN public.events ev ON ((ev.event_id = le.event_id)))
     LEFT JOIN LATERAL ( SELECT p.event_id,
            p.type,
            p.actor,
            p.correlation_id,
            p.occurred_at,
            p.recorded_at
           FROM public.events p
          WHERE ((le.event_id IS NULL) AND (le.note ~~ 'period-close:%'::text) AND (p.aggregate_type = 'period'::text) AND (p.aggregate_id = substr(le.note, (length('period-close:'::text) + 1))) AND (p.type = 'PeriodClosed'::text))
          ORDER BY p."position"
         LIMIT 1) pc ON (true))
     LEFT JOIN public.audit_actors a ON ((a.actor = COALESCE(ev.actor, pc.actor))))
     LEFT JOIN public.events rev ON (((rev.aggregate_type = 'invoice'::text) AND (rev.aggregate_id = le.invoice_id) AND (rev.type ~~ 'Revenue%'::text) AND ((rev.data ->> 'entryId'::text) = (le.entry_id)::text))))
  WHERE (le.revenue <> 0);

CREATE TABLE public.circuit_breakers (
    name text NOT NULL,
    state text DEFAULT 'closed'::text NOT NULL,
    failures integer DEFAULT 0 NOT NULL,
    opened_at timestamp with time zone,
    next_attempt_at timestamp with time zone,
    last_error text,
    last_failure_at timestamp with time zone,
    version bigint DEFAULT 0 NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT circuit_breakers_state_check CHECK ((state = ANY (ARRAY['closed'::text, 'open'::text, 'half_open'::text])))
);

CREATE TABLE public.customers (
    id text NOT NULL,
    name text NOT NULL,
    email text NOT NULL,
    external_id text,
    version integer DEFAULT 1 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE public.event_external_ids (
    source text NOT NULL,
    external_id text NOT NULL,
    event_id uuid NOT NULL
);

CREATE TABLE public.event_forwarders (
    name text NOT NULL,
    feed_cursor text NOT NULL,
    forwarded bigint DEFAULT 0 NOT NULL,
    updated_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL
);

CREATE TABLE public.events_default (
    "position" bigint NOT NULL,
    event_id uuid NOT NULL,
    type text NOT NULL,
    schema_version integer NOT NULL,
    aggregate_type text NOT NULL,
    aggregate_id text NOT NULL,
    aggregate_version integer,
    occurred_at date NOT NULL,
    recorded_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    correlation_id text NOT NULL,
    causation_id text,
    traceparent text,
    actor text NOT NULL,
    source text DEFAULT 'api'::text NOT NULL,
    external_id text,
    data jsonb NOT NULL,
    tx_id xid8 DEFAULT pg_current_xact_id() NOT NULL,
    CONSTRAINT events_schema_version_check CHECK ((schema_version >= 1))
);

ALTER TABLE public.events ALTER COLUMN "position" ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.events_position_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

ALTER TABLE public.failed_attempts ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.failed_attempts_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

ALTER TABLE public.failed_job_archive ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.failed_job_archive_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE public.failed_job_replays (
    id bigint NOT NULL,
    archive_id bigint NOT NULL,
    job_id uuid NOT NULL,
    actor text NOT NULL,
    replayed_at timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE public.failed_job_replays ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.failed_job_replays_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE public.idempotency_keys (
    principal text NOT NULL,
    key text NOT NULL,
    method text NOT NULL,
    path text NOT NULL,
    request_hash text NOT NULL,
    status integer NOT NULL,
    response jsonb,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    response_headers jsonb
);

CREATE TABLE public.invoice_overdue_notices (
    invoice_id text NOT NULL,
    due_date date NOT NULL,
    amount_due bigint NOT NULL,
    detected_on date NOT NULL,
    event_id uuid,
    recorded_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE public.invoice_payments (
    invoice_id text NOT NULL,
    payment_id text NOT NULL,
    amount bigint NOT NULL,
    received_at date NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT invoice_payments_amount_check CHECK ((amount >= 0))
);

CREATE TABLE public.invoices (
    id text NOT NULL,
    customer_id text NOT NULL,
    currency character(3) NOT NULL,
    status text NOT NULL,
    issued_at date NOT NULL,
    due_date date,
    lines jsonb NOT NULL,
    total bigint NOT NULL,
    tax bigint NOT NULL,
    amount_paid bigint DEFAULT 0 NOT NULL,
    version integer DEFAULT 1 NOT NULL,
    void_reason text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT invoices_status_check CHECK ((status = ANY (ARRAY['open'::text, 'paid'::text, 'void'::text, 'deleted'::text])))
);

CREATE TABLE public.ledger_closed_month_totals (
    currency character(3) NOT NULL,
    period character(7) NOT NULL,
    accounts_receivable bigint NOT NULL,
    cash bigint NOT NULL,
    deferred_revenue bigint NOT NULL,
    revenue bigint NOT NULL,
    tax_payable bigint NOT NULL,
    customer_credit bigint NOT NULL
);

CREATE TABLE public.ledger_entries_default (
    entry_id bigint NOT NULL,
    currency character(3) NOT NULL,
    entry_date date NOT NULL,
    period character(7) GENERATED ALWAYS AS (((((EXTRACT(year FROM entry_date))::integer)::text || '-'::text) || lpad(((EXTRACT(month FROM entry_date))::integer)::text, 2, '0'::text))) STORED,
    origin_date date NOT NULL,
    kind text NOT NULL,
    invoice_id text NOT NULL,
    line_id text,
    payment_id text,
    event_id uuid,
    note text,
    accounts_receivable bigint DEFAULT 0 NOT NULL,
    cash bigint DEFAULT 0 NOT NULL,
    deferred_revenue bigint DEFAULT 0 NOT NULL,
    revenue bigint DEFAULT 0 NOT NULL,
    tax_payable bigint DEFAULT 0 NOT NULL,
    customer_credit bigint DEFAULT 0 NOT NULL,
    recorded_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    CONSTRAINT ledger_entries_kind_check CHECK ((kind = ANY (ARRAY['invoice_issued'::text, 'recognition'::text, 'invoice_updated'::text, 'revenue_adjusted'::text, 'payment_received'::text, 'revenue_reversed'::text, 'invoice_voided'::text]))),
    CONSTRAINT ledger_entry_balances CHECK (((((((accounts_receivable + cash) + deferred_revenue) + revenue) + tax_payable) + customer_credit) = 0)),
    CONSTRAINT ledger_entry_not_empty CHECK (((accounts_receivable <> 0) OR (cash <> 0) OR (deferred_revenue <> 0) OR (revenue <> 0) OR (tax_payable <> 0) OR (customer_credit <> 0)))
);

ALTER TABLE public.ledger_entries ALTER COLUMN entry_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.ledger_entries_entry_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE VIEW public.ledger_lines AS
 SELECT e.entry_id,
    e.currency,
    e.entry_date,
    e.period,
    e.kind,
    e.invoice_id,
    e.line_id,
    e.payment_id,
    l.account,
    GREATEST(l.amount, (0)::bigint) AS debit,
    GREATEST((- l.amount), (0)::bigint) AS credit
   FROM (public.ledger_entries e
     CROSS JOIN LATERAL ( VALUES ('AccountsReceivable'::text,e.accounts_receivable), ('Cash'::text,e.cash), ('DeferredRevenue'::text,e.deferred_revenue), ('Revenue'::text,e.revenue), ('TaxPayable'::text,e.tax_payable), ('CustomerCredit'::text,e.customer_credit)) l(account, amount))
  WHERE (l.amount <> 0);

CREATE TABLE public.ledger_period_locks (
    period character(7) NOT NULL,
    event_id uuid,
    locked_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    CONSTRAINT ledger_period_locks_period_check CHECK ((period ~ '^\d{4}-(0[1-9]|1[0-2])$'::text))
);

CREATE TABLE public.ledger_posted_totals (
    invoice_id text NOT NULL,
    bucket date NOT NULL,
    kind text NOT NULL,
    line_id text DEFAULT ''::text NOT NULL,
    payment_id text DEFAULT ''::text NOT NULL,
    last_origin date NOT NULL,
    accounts_receivable bigint DEFAULT 0 NOT NULL,
    cash bigint DEFAULT 0 NOT NULL,
    deferred_revenue bigint DEFAULT 0 NOT NULL,
    revenue bigint DEFAULT 0 NOT NULL,
    tax_payable bigint DEFAULT 0 NOT NULL,
    customer_credit bigint DEFAULT 0 NOT NULL
);

CREATE TABLE public.notification_deliveries (
    event_id uuid NOT NULL,
    invoice_id text NOT NULL,
    kind text NOT NULL,
    channel text NOT NULL,
    recipient text,
    subject text NOT NULL,
    body text NOT NULL,
    recorded_at timestamp with time zone DEFAULT now() NOT NULL,
    delivered_at timestamp with time zone,
    CONSTRAINT notification_deliveries_kind_check CHECK ((kind = ANY (ARRAY['reminder'::text, 'overdue'::text, 'receipt'::text, 'webhook-disabled'::text])))
);

CREATE TABLE public.outbox (
    "position" bigint NOT NULL,
    recorded_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL
);

CREATE TABLE public.projection_snapshots (
    snapshot_id bigint NOT NULL,
    subscriber text NOT NULL,
    schema_version integer NOT NULL,
    through_tx xid8 NOT NULL,
    head_position bigint NOT NULL,
    row_count bigint NOT NULL,
    taken_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL
);

ALTER TABLE public.projection_snapshots ALTER COLUMN snapshot_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.projection_snapshots_snapshot_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE public.relay_direct_deliveries (
    minute timestamp with time zone NOT NULL,
    subscriber text NOT NULL,
    backend_pid integer NOT NULL,
    events integer NOT NULL,
    lag_ms_sum double precision NOT NULL,
    lag_ms_max double precision NOT NULL
);

CREATE TABLE public.revenue_book_events (
    invoice_id text NOT NULL,
    event_id uuid NOT NULL,
    payment_id text,
    body jsonb NOT NULL
);

CREATE TABLE public.revenue_invoices (
    invoice_id text NOT NULL,
    currency character(3),
    status text NOT NULL,
    version integer DEFAULT 0 NOT NULL,
    total bigint DEFAULT 0 NOT NULL,
    tax bigint DEFAULT 0 NOT NULL,
    net_revenue bigint DEFAULT 0 NOT NULL,
    amount_paid bigint DEFAULT 0 NOT NULL,
    amount_due bigint DEFAULT 0 NOT NULL,
    issued_on date,
    first_event_on date NOT NULL,
    horizon date,
    applied jsonb DEFAULT '[]'::jsonb NOT NULL,
    parked jsonb DEFAULT '[]'::jsonb NOT NULL,
    updated_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    snapshot jsonb,
    CONSTRAINT revenue_invoices_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'open'::text, 'paid'::text, 'void'::text])))
);

CREATE TABLE public.revenue_lines (
    invoice_id text NOT NULL,
    line_id text NOT NULL,
    currency character(3) NOT NULL,
    "position" integer NOT NULL,
    net_amount bigint NOT NULL,
    service_start date,
    service_end date,
    recognized bigint DEFAULT 0 NOT NULL,
    recognized_through date NOT NULL,
    prev_through date,
    active boolean NOT NULL,
    CONSTRAINT revenue_lines_check CHECK (((service_start IS NULL) OR (service_end > service_start)))
);

CREATE TABLE public.schema_migrations (
    version integer NOT NULL,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE public.subscriptions (
    subscriber text NOT NULL,
    event_type text NOT NULL,
    registered_at timestamp with time zone DEFAULT now() NOT NULL,
    takes_bundles boolean DEFAULT false NOT NULL
);

CREATE TABLE public.webhook_deliveries (
    event_id uuid NOT NULL,
    event_type text NOT NULL,
    url text NOT NULL,
    status_code integer,
    delivered_at timestamp with time zone
);

CREATE TABLE public.webhook_delivery_attempts (
    delivery_id uuid NOT NULL,
    attempt integer NOT NULL,
    started_at timestamp with time zone NOT NULL,
    status_code integer,
    latency_ms integer NOT NULL,
    response_body text,
    error text
);

CREATE TABLE public.webhook_endpoint_deliveries (
    id uuid NOT NULL,
    endpoint_id uuid NOT NULL,
    event_id uuid NOT NULL,
    event_type text NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    lease_until timestamp with time zone,
    next_attempt_at timestamp with time zone,
    last_status_code integer,
    last_error text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT webhook_endpoint_deliveries_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'sending'::text, 'succeeded'::text, 'failed'::text])))
);

CREATE TABLE public.webhook_endpoints (
    id uuid NOT NULL,
    url text NOT NULL,
    event_types text[],
    description text DEFAULT ''::text NOT NULL,
    enabled boolean DEFAULT true NOT NULL,
    secret text NOT NULL,
    previous_secret text,
    previous_secret_expires_at timestamp with time zone,
    from_config boolean DEFAULT false NOT NULL,
    failing_since timestamp with time zone,
    disabled_reason text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    deleted_at timestamp with time zone
);

ALTER TABLE ONLY public.events ATTACH PARTITION public.events_default DEFAULT;

ALTER TABLE ONLY public.ledger_entries ATTACH PARTITION public.ledger_entries_default DEFAULT;

ALTER TABLE ONLY public.analytics_invoices
    ADD CONSTRAINT analytics_invoices_pkey PRIMARY KEY (invoice_id);

ALTER TABLE ONLY public.analytics_payments
    ADD CONSTRAINT analytics_payments_pkey PRIMARY KEY (invoice_id, payment_id);

ALTER TABLE ONLY public.api_keys
    ADD CONSTRAINT api_keys_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.api_keys
    ADD CONSTRAINT api_keys_token_hash_key UNIQUE (token_hash);

ALTER TABLE ONLY public.circuit_breakers
    ADD CONSTRAINT circuit_breakers_pkey PRIMARY KEY (name);

ALTER TABLE ONLY public.customers
    ADD CONSTRAINT customers_external_id_key UNIQUE (external_id);

ALTER TABLE ONLY public.customers
    ADD CONSTRAINT customers_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.event_external_ids
    ADD CONSTRAINT event_external_ids_pkey PRIMARY KEY (source, external_id);

ALTER TABLE ONLY public.event_forwarders
    ADD CONSTRAINT event_forwarders_pkey PRIMARY KEY (name);

ALTER TABLE ONLY public.event_keys
    ADD CONSTRAINT event_keys_event_id_key UNIQUE (event_id);

ALTER TABLE ONLY public.event_keys
    ADD CONSTRAINT event_keys_pkey PRIMARY KEY ("position");

ALTER TABLE ONLY public.events
    ADD CONSTRAINT events_pkey PRIMARY KEY ("position", recorded_at);

ALTER TABLE ONLY public.events_default
    ADD CONSTRAINT events_default_pkey PRIMARY KEY ("position", recorded_at);

ALTER TABLE ONLY public.failed_attempts
    ADD CONSTRAINT failed_attempts_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.failed_job_archive
    ADD CONSTRAINT failed_job_archive_job_id_key UNIQUE (job_id);

ALTER TABLE ONLY public.failed_job_archive
    ADD CONSTRAINT failed_job_archive_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.failed_job_replays
    ADD CONSTRAINT failed_job_replays_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.idempotency_keys
    ADD CONSTRAINT idempotency_keys_pkey PRIMARY KEY (principal, key);

ALTER TABLE ONLY public.inbox
    ADD CONSTRAINT inbox_pkey PRIMARY KEY (subscriber, event_id);

ALTER TABLE ONLY public.invoice_overdue_notices
    ADD CONSTRAINT invoice_overdue_notices_pkey PRIMARY KEY (invoice_id, due_date);

ALTER TABLE public.invoice_payments
    ADD CONSTRAINT invoice_payments_amount_exact CHECK ((amount <= '9007199254740991'::bigint)) NOT VALID;

ALTER TABLE ONLY public.invoice_payments
    ADD CONSTRAINT invoice_payments_pkey PRIMARY KEY (invoice_id, payment_id);

ALTER TABLE public.invoices
    ADD CONSTRAINT invoices_amounts_exact CHECK ((((total >= '-9007199254740991'::bigint) AND (total <= '9007199254740991'::bigint)) AND ((tax >= '-9007199254740991'::bigint) AND (tax <= '9007199254740991'::bigint)) AND ((amount_paid >= 0) AND (amount_paid <= '9007199254740991'::bigint)))) NOT VALID;

ALTER TABLE ONLY public.invoices
    ADD CONSTRAINT invoices_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.ledger_closed_month_totals
    ADD CONSTRAINT ledger_closed_month_totals_pkey PRIMARY KEY (currency, period);

ALTER TABLE ONLY public.ledger_entries
    ADD CONSTRAINT ledger_entries_pkey PRIMARY KEY (entry_id, entry_date);

ALTER TABLE ONLY public.ledger_entries_default
    ADD CONSTRAINT ledger_entries_default_pkey PRIMARY KEY (entry_id, entry_date);

ALTER TABLE ONLY public.ledger_period_locks
    ADD CONSTRAINT ledger_period_locks_pkey PRIMARY KEY (period);

ALTER TABLE ONLY public.ledger_posted_totals
    ADD CONSTRAINT ledger_posted_totals_pkey PRIMARY KEY (invoice_id, bucket, kind, line_id, payment_id);

ALTER TABLE ONLY public.notification_deliveries
    ADD CONSTRAINT notification_deliveries_pkey PRIMARY KEY (event_id);

ALTER TABLE ONLY public.outbox
    ADD CONSTRAINT outbox_pkey PRIMARY KEY ("position");

ALTER TABLE ONLY public.projection_snapshots
    ADD CONSTRAINT projection_snapshots_pkey PRIMARY KEY (snapshot_id);

ALTER TABLE ONLY public.relay_direct_deliveries
    ADD CONSTRAINT relay_direct_deliveries_pkey PRIMARY KEY (minute, subscriber, backend_pid);

ALTER TABLE ONLY public.revenue_book_events
    ADD CONSTRAINT revenue_book_events_pkey PRIMARY KEY (invoice_id, event_id);

ALTER TABLE ONLY public.revenue_invoices
    ADD CONSTRAINT revenue_invoices_pkey PRIMARY KEY (invoice_id);

ALTER TABLE ONLY public.revenue_lines
    ADD CONSTRAINT revenue_lines_pkey PRIMARY KEY (invoice_id, line_id);

ALTER TABLE ONLY public.schema_migrations
    ADD CONSTRAINT schema_migrations_pkey PRIMARY KEY (version);

ALTER TABLE ONLY public.subscriptions
    ADD CONSTRAINT subscriptions_pkey PRIMARY KEY (subscriber, event_type);

ALTER TABLE ONLY public.webhook_deliveries
    ADD CONSTRAINT webhook_deliveries_pkey PRIMARY KEY (event_id);

ALTER TABLE ONLY public.webhook_delivery_attempts
    ADD CONSTRAINT webhook_delivery_attempts_pkey PRIMARY KEY (delivery_id, attempt);

ALTER TABLE ONLY public.webhook_endpoint_deliveries
    ADD CONSTRAINT webhook_endpoint_deliveries_endpoint_id_event_id_key UNIQUE (endpoint_id, event_id);

ALTER TABLE ONLY public.webhook_endpoint_deliveries
    ADD CONSTRAINT webhook_endpoint_deliveries_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.webhook_endpoints
    ADD CONSTRAINT webhook_endpoints_pkey PRIMARY KEY (id);

CREATE INDEX analytics_invoices_currency_issued ON public.analytics_invoices USING btree (currency, issued_on);

CREATE INDEX events_aggregate ON ONLY public.events USING btree (aggregate_type, aggregate_id, "position");

CREATE INDEX events_commit_order ON ONLY public.events USING btree (tx_id, "position");

CREATE INDEX events_correlation ON ONLY public.events USING btree (correlation_id);

CREATE INDEX events_default_aggregate_type_aggregate_id_position_idx ON public.events_default USING btree (aggregate_type, aggregate_id, "position");

CREATE INDEX events_default_correlation_id_idx ON public.events_default USING btree (correlation_id);

CREATE INDEX events_event_id ON ONLY public.events USING btree (event_id);

CREATE INDEX events_default_event_id_idx ON public.events_default USING btree (event_id);

CREATE INDEX events_source_external_id ON ONLY public.events USING btree (source, external_id) WHERE (external_id IS NOT NULL);

CREATE INDEX events_default_source_external_id_idx ON public.events_default USING btree (source, external_id) WHERE (external_id IS NOT NULL);

CREATE INDEX events_default_tx_id_position_idx ON public.events_default USING btree (tx_id, "position");

CREATE INDEX events_type_position ON ONLY public.events USING btree (type, "position");

CREATE INDEX events_default_type_position_idx ON public.events_default USING btree (type, "position");

CREATE INDEX failed_attempts_event ON public.failed_attempts USING btree (event_id, subscriber, attempt);

CREATE INDEX failed_attempts_job ON public.failed_attempts USING btree (job_id, attempt);

CREATE INDEX failed_job_archive_event ON public.failed_job_archive USING btree (event_id);

CREATE INDEX failed_job_archive_not_replayed ON public.failed_job_archive USING btree (archived_at) WHERE (replay_count = 0);

CREATE INDEX failed_job_archive_subscriber ON public.failed_job_archive USING btree (subscriber, archived_at);

CREATE INDEX failed_job_replays_archive ON public.failed_job_replays USING btree (archive_id, id);

CREATE INDEX invoices_customer ON public.invoices USING btree (customer_id, id);

CREATE INDEX invoices_issued ON public.invoices USING btree (issued_at, id);

CREATE INDEX invoices_status ON public.invoices USING btree (status, id);

CREATE INDEX ledger_entries_currency_period ON ONLY public.ledger_entries USING btree (currency, period);

CREATE INDEX ledger_entries_default_currency_period_idx ON public.ledger_entries_default USING btree (currency, period);

CREATE INDEX ledger_entries_entry_date ON ONLY public.ledger_entries USING btree (entry_date);

CREATE INDEX ledger_entries_default_entry_date_idx ON public.ledger_entries_default USING btree (entry_date);

CREATE INDEX ledger_entries_invoice ON ONLY public.ledger_entries USING btree (invoice_id, entry_id);

CREATE INDEX ledger_entries_default_invoice_id_entry_id_idx ON public.ledger_entries_default USING btree (invoice_id, entry_id);

CREATE INDEX notification_deliveries_invoice ON public.notification_deliveries USING btree (invoice_id, recorded_at);

CREATE INDEX notification_deliveries_pending ON public.notification_deliveries USING btree (recorded_at) WHERE (delivered_at IS NULL);

CREATE INDEX projection_snapshots_latest ON public.projection_snapshots USING btree (subscriber, schema_version, snapshot_id DESC);

CREATE INDEX revenue_book_events_payment ON public.revenue_book_events USING btree (invoice_id, payment_id) WHERE (payment_id IS NOT NULL);

CREATE INDEX revenue_invoices_currency ON public.revenue_invoices USING btree (currency) WHERE (currency IS NOT NULL);

CREATE INDEX revenue_lines_due ON public.revenue_lines USING btree (recognized_through) WHERE active;

CREATE INDEX webhook_endpoint_deliveries_list ON public.webhook_endpoint_deliveries USING btree (endpoint_id, id DESC);

CREATE UNIQUE INDEX webhook_endpoints_from_config ON public.webhook_endpoints USING btree (from_config) WHERE (from_config AND (deleted_at IS NULL));

CREATE INDEX webhook_endpoints_live ON public.webhook_endpoints USING btree (id) WHERE (enabled AND (deleted_at IS NULL));

ALTER INDEX public.events_aggregate ATTACH PARTITION public.events_default_aggregate_type_aggregate_id_position_idx;

ALTER INDEX public.events_correlation ATTACH PARTITION public.events_default_correlation_id_idx;

ALTER INDEX public.events_event_id ATTACH PARTITION public.events_default_event_id_idx;

ALTER INDEX public.events_pkey ATTACH PARTITION public.events_default_pkey;

ALTER INDEX public.events_source_external_id ATTACH PARTITION public.events_default_source_external_id_idx;

ALTER INDEX public.events_commit_order ATTACH PARTITION public.events_default_tx_id_position_idx;

ALTER INDEX public.events_type_position ATTACH PARTITION public.events_default_type_position_idx;

ALTER INDEX public.ledger_entries_currency_period ATTACH PARTITION public.ledger_entries_default_currency_period_idx;

ALTER INDEX public.ledger_entries_entry_date ATTACH PARTITION public.ledger_entries_default_entry_date_idx;

ALTER INDEX public.ledger_entries_invoice ATTACH PARTITION public.ledger_entries_default_invoice_id_entry_id_idx;

ALTER INDEX public.ledger_entries_pkey ATTACH PARTITION public.ledger_entries_default_pkey;

CREATE TRIGGER event_external_ids_append_only BEFORE DELETE OR UPDATE ON public.event_external_ids FOR EACH ROW EXECUTE FUNCTION public.events_refuse_change();

CREATE TRIGGER event_external_ids_no_truncate BEFORE TRUNCATE ON public.event_external_ids FOR EACH STATEMENT EXECUTE FUNCTION public.events_refuse_change();

CREATE TRIGGER event_keys_append_only BEFORE DELETE OR UPDATE ON public.event_keys FOR EACH ROW EXECUTE FUNCTION public.events_refuse_change();

CREATE TRIGGER event_keys_no_truncate BEFORE TRUNCATE ON public.event_keys FOR EACH STATEMENT EXECUTE FUNCTION public.events_refuse_change();

CREATE TRIGGER events_append_only BEFORE DELETE OR UPDATE ON public.events FOR EACH ROW EXECUTE FUNCTION public.events_refuse_change();

CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON public.events FOR EACH STATEMENT EXECUTE FUNCTION public.events_refuse_change();

CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON public.events_default FOR EACH STATEMENT EXECUTE FUNCTION public.events_refuse_change();

CREATE TRIGGER events_record_keys AFTER INSERT ON public.events REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION public.events_record_keys();

CREATE TRIGGER failed_job_archive_append_only BEFORE DELETE OR UPDATE ON public.failed_job_archive FOR EACH ROW EXECUTE FUNCTION public.failed_job_archive_guard();

CREATE TRIGGER failed_job_replays_append_only BEFORE DELETE OR UPDATE ON public.failed_job_replays FOR EACH ROW EXECUTE FUNCTION public.failed_job_replays_refuse_change();

CREATE TRIGGER failed_job_replays_counted AFTER INSERT ON public.failed_job_replays REFERENCING NEW TABLE AS new_replays FOR EACH STATEMENT EXECUTE FUNCTION public.failed_job_replays_count();

CREATE TRIGGER failed_job_replays_no_truncate BEFORE TRUNCATE ON public.failed_job_replays FOR EACH STATEMENT EXECUTE FUNCTION public.failed_job_replays_refuse_change();

CREATE TRIGGER ledger_entries_append_only BEFORE DELETE OR UPDATE ON public.ledger_entries FOR EACH ROW EXECUTE FUNCTION public.ledger_refuse_change();

CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON public.ledger_entries FOR EACH STATEMENT EXECUTE FUNCTION public.ledger_refuse_change();

CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON public.ledger_entries_default FOR EACH STATEMENT EXECUTE FUNCTION public.ledger_refuse_change();

CREATE TRIGGER ledger_entries_open_period AFTER INSERT ON public.ledger_entries REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT EXECUTE FUNCTION public.ledger_refuse_locked_period();

CREATE TRIGGER ledger_entries_posted_totals AFTER INSERT ON public.ledger_entries REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT EXECUTE FUNCTION public.ledger_add_posted_totals();

CREATE TRIGGER ledger_period_locks_append_only BEFORE DELETE OR UPDATE ON public.ledger_period_locks FOR EACH ROW EXECUTE FUNCTION public.ledger_refuse_change();

CREATE TRIGGER ledger_period_locks_no_truncate BEFORE TRUNCATE ON public.ledger_period_locks FOR EACH STATEMENT EXECUTE FUNCTION public.ledger_refuse_change();

CREATE TRIGGER revenue_invoices_lines_on_delete AFTER DELETE ON public.revenue_invoices REFERENCING OLD TABLE AS old_books FOR EACH STATEMENT EXECUTE FUNCTION public.revenue_invoices_refuse_orphan_lines();

CREATE TRIGGER revenue_invoices_lines_on_rename AFTER UPDATE ON public.revenue_invoices FOR EACH ROW WHEN ((old.invoice_id IS DISTINCT FROM new.invoice_id)) EXECUTE FUNCTION public.revenue_invoices_refuse_renamed_with_lines();

CREATE TRIGGER revenue_invoices_lines_on_truncate AFTER TRUNCATE ON public.revenue_invoices FOR EACH STATEMENT EXECUTE FUNCTION public.revenue_invoices_refuse_orphan_lines();

CREATE TRIGGER revenue_lines_book_on_insert AFTER INSERT ON public.revenue_lines REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION public.revenue_lines_refuse_missing_book();

CREATE TRIGGER revenue_lines_book_on_move AFTER UPDATE ON public.revenue_lines FOR EACH ROW WHEN ((old.invoice_id IS DISTINCT FROM new.invoice_id)) EXECUTE FUNCTION public.revenue_lines_refuse_moved_to_missing_book();

ALTER TABLE ONLY public.invoice_payments
    ADD CONSTRAINT invoice_payments_invoice_id_fkey FOREIGN KEY (invoice_id) REFERENCES public.invoices(id);

ALTER TABLE ONLY public.invoices
    ADD CONSTRAINT invoices_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES public.customers(id);

ALTER TABLE ONLY public.outbox
    ADD CONSTRAINT outbox_position_fkey FOREIGN KEY ("position") REFERENCES public.event_keys("position") DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE ONLY public.webhook_delivery_attempts
    ADD CONSTRAINT webhook_delivery_attempts_delivery_id_fkey FOREIGN KEY (delivery_id) REFERENCES public.webhook_endpoint_deliveries(id);

ALTER TABLE ONLY public.webhook_endpoint_deliveries
    ADD CONSTRAINT webhook_endpoint_deliveries_endpoint_id_fkey FOREIGN KEY (endpoint_id) REFERENCES public.webhook_endpoints(id);

GRANT USAGE ON SCHEMA public TO accrue_app;

GRANT ALL ON FUNCTION public.accrue_uuidv7() TO accrue_app;

GRANT ALL ON FUNCTION public.analytics_aging(as_of date) TO accrue_app;

GRANT ALL ON FUNCTION public.analytics_monthly(as_of date) TO accrue_app;

GRANT ALL ON FUNCTION public.analytics_open_balances(as_of date) TO accrue_app;

REVOKE ALL ON FUNCTION public.create_history_partitions(first_month date, months integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.create_history_partitions(first_month date, months integer) TO accrue_app;

GRANT ALL ON FUNCTION public.events_record_keys() TO accrue_app;

GRANT ALL ON FUNCTION public.events_refuse_change() TO accrue_app;

GRANT ALL ON FUNCTION public.failed_job_archive_guard() TO accrue_app;

GRANT ALL ON FUNCTION public.failed_job_replays_count() TO accrue_app;

GRANT ALL ON FUNCTION public.failed_job_replays_refuse_change() TO accrue_app;

GRANT ALL ON FUNCTION public.history_partition_protections(parent regclass, name text) TO accrue_app;

GRANT ALL ON FUNCTION public.history_partitions(parent regclass) TO accrue_app;

GRANT ALL ON FUNCTION public.insert_invoice_with_event(invoice_id text, customer_id text, currency text, status text, issued_at date, due_date date, lines jsonb, total bigint, tax bigint, amount_paid bigint, version integer, event_id uuid, event_type text, schema_version integer, aggregate_type text, aggregate_version integer, occurred_at date, correlation_id text, causation_id text, traceparent text, actor text, source text, external_id text, data jsonb, OUT created_at timestamp with time zone, OUT updated_at timestamp with time zone) TO accrue_app;

GRANT ALL ON FUNCTION public.ledger_add_posted_totals() TO accrue_app;

GRANT ALL ON FUNCTION public.ledger_refuse_change() TO accrue_app;

GRANT ALL ON FUNCTION public.ledger_refuse_locked_period() TO accrue_app;

GRANT ALL ON FUNCTION public.revenue_invoices_refuse_orphan_lines() TO accrue_app;

GRANT ALL ON FUNCTION public.revenue_invoices_refuse_renamed_with_lines() TO accrue_app;

GRANT ALL ON FUNCTION public.revenue_lines_refuse_missing_book() TO accrue_app;

GRANT ALL ON FUNCTION public.revenue_lines_refuse_moved_to_missing_book() TO accrue_app;

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.analytics_invoices TO accrue_app;

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.analytics_payments TO accrue_app;

GRANT SELECT ON TABLE public.analytics_invoice_status TO accrue_app;

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.analytics_invoices_snapshot TO accrue_app;

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.analytics_payments_snapshot TO accrue_app;

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.api_keys TO accrue_app;

GRANT SELECT ON TABLE public.audit_actors TO accrue_app;

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.failed_attempts TO accrue_app;

GRANT SELECT,INSERT ON TABLE public.failed_job_archive TO accrue_app;

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.inbox TO accrue_app;

GRANT SELECT ON TABLE public.audit_event_attempts TO accrue_app;

GRANT SELECT,INSERT ON TABLE public.event_keys TO accrue_app;

GRANT SELECT,INSERT ON TABLE public.events TO accrue_app;

GRANT SELECT ON TABLE public.audit_invoice_history TO accrue_app;

GRANT SELECT,INSERT ON TABLE public.ledger_entries TO accrue_app;

GRANT SELECT ON TABLE public.audit_invoice_chain TO accrue_app;

GRANT SELECT ON TABLE public.audit_operator_actions TO accrue_app;

GRANT SELECT ON TABLE public.audit_revenue_changes TO accrue_app;

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.circuit_breakers TO accrue_app;

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.customers TO accrue_app;

GRANT SELECT,INSERT ON TABLE public.event_external_ids TO accrue_app;

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.event_forwarders TO accrue_app;

GRANT SELECT ON TABLE public.events_default TO accrue_app;

GRANT SELECT,USAGE ON SEQUENCE public.events_position_seq TO accrue_app;

GRANT SELECT,USAGE ON SEQUENCE public.failed_attempts_id_seq TO accrue_app;

GRANT SELECT,USAGE ON SEQUENCE public.failed_job_archive_id_seq TO accrue_app;

GRANT SELECT,INSERT ON TABLE public.failed_job_replays TO accrue_app;

GRANT SELECT,USAGE ON SEQUENCE public.failed_job_replays_id_seq TO accrue_app;

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.idempotency_keys TO accrue_app;

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.invoice_overdue_notices TO accrue_app;

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.invoice_payments TO accrue_app;

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.invoices TO accrue_app;

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.ledger_closed_month_totals TO accrue_app;

GRANT SELECT ON TABLE public.ledger_entries_default TO accrue_app;

GRANT SELECT,USAGE ON SEQUENCE public.ledger_entries_entry_id_seq TO accrue_app;

GRANT SELECT ON TABLE public.ledger_lines TO accrue_app;

GRANT SELECT,INSERT ON TABLE public.ledger_period_locks TO accrue_app;

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.ledger_posted_totals TO accrue_app;

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.notification_deliveries TO accrue_app;

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.outbox TO accrue_app;

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.projection_snapshots TO accrue_app;

GRANT SELECT,USAGE ON SEQUENCE public.projection_snapshots_snapshot_id_seq TO accrue_app;

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.relay_direct_deliveries TO accrue_app;

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.revenue_book_events TO accrue_app;

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.revenue_invoices TO accrue_app;

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.revenue_lines TO accrue_app;

GRANT SELECT ON TABLE public.schema_migrations TO accrue_app;

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.subscriptions TO accrue_app;

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.webhook_deliveries TO accrue_app;

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.webhook_delivery_attempts TO accrue_app;

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.webhook_endpoint_deliveries TO accrue_app;

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.webhook_endpoints TO accrue_app;
