-- Issue 15: ledger_entries partitioned BY RANGE (entry_date), one partition per month.
-- Reports read by period and entry date, so they prune to the months asked; a posting
-- reads the ledger through ledger_posted_totals, never by entry id.
--
-- The parent keeps the name, the columns, the checks, the triggers (append-only row
-- trigger, cloned onto every partition; the closed-period and posted-totals statement
-- triggers, which see every insert routed through the parent) and the identity sequence
-- ledger_entries_entry_id_seq, continuing where it was.
-- A populated table is not copied: it is attached whole as ledger_entries_legacy, the
-- partition of every date before the month after the migration (or after its latest
-- entry, if later); indexes of the same definition are adopted, only the primary key
-- (entry_id, entry_date) is built. An empty table is dropped. ledger_entries_default
-- takes an entry dated past the partitions created ahead (docs/scaling.md says how it
-- is watched). Views that read ledger_entries are re-pointed at the parent.
--
-- The primary key includes entry_date (PostgreSQL requires the partition key in every
-- unique constraint of a partitioned table); entry ids stay unique because the only
-- source of them is the identity sequence (journal.ts draws from it with nextval).

-- No write between the copy of the sequence below and the ALTER TABLE that locks the
-- table (a process of the previous release still running): reads go on meanwhile.
LOCK TABLE ledger_entries IN EXCLUSIVE MODE;

CREATE TEMP TABLE ledger_entries_was ON COMMIT DROP AS
  SELECT s.last_value, s.is_called, (SELECT max(entry_date) FROM ledger_entries) AS latest,
         EXISTS (SELECT 1 FROM ledger_entries) AS populated
  FROM ledger_entries_entry_id_seq s;

CREATE TEMP TABLE ledger_entries_views ON COMMIT DROP AS
  SELECT DISTINCT c.oid::regclass::text AS name, pg_get_viewdef(c.oid) AS def
  FROM pg_depend d
  JOIN pg_rewrite r ON r.oid = d.objid
  JOIN pg_class c ON c.oid = r.ev_class
  WHERE d.classid = 'pg_rewrite'::regclass AND d.refobjid = 'ledger_entries'::regclass AND c.relkind = 'v';

ALTER TABLE ledger_entries ALTER COLUMN entry_id DROP IDENTITY;   -- its sequence goes; the parent's takes the name
DROP TRIGGER ledger_entries_append_only ON ledger_entries;         -- cloned from the parent at attach
DROP TRIGGER ledger_entries_open_period ON ledger_entries;         -- the parent's statement triggers fire instead
DROP TRIGGER ledger_entries_posted_totals ON ledger_entries;
ALTER TABLE ledger_entries RENAME TO ledger_entries_legacy;
-- A partition may have only the parent's primary key (entry_id, entry_date), built at attach.
ALTER TABLE ledger_entries_legacy DROP CONSTRAINT ledger_entries_pkey;
ALTER INDEX ledger_entries_invoice RENAME TO ledger_entries_legacy_invoice;
ALTER INDEX ledger_entries_currency_period RENAME TO ledger_entries_legacy_currency_period;
ALTER INDEX ledger_entries_entry_date RENAME TO ledger_entries_legacy_entry_date;

CREATE TABLE ledger_entries (
  entry_id            bigint      GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME ledger_entries_entry_id_seq),
  currency            char(3)     NOT NULL,
  entry_date          date        NOT NULL,
  period              char(7)     GENERATED ALWAYS AS (
                        extract(year FROM entry_date)::int::text || '-' ||
                        lpad(extract(month FROM entry_date)::int::text, 2, '0')) STORED,
  origin_date         date        NOT NULL,
  kind                text        NOT NULL CONSTRAINT ledger_entries_kind_check CHECK (kind IN ('invoice_issued', 'recognition', 'invoice_updated',
                        'revenue_adjusted', 'payment_received', 'revenue_reversed', 'invoice_voided')),
  invoice_id          text        NOT NULL,
  line_id             text        NULL,
  payment_id          text        NULL,
  event_id            uuid        NULL,
  note                text        NULL,
  accounts_receivable bigint      NOT NULL DEFAULT 0,
  cash                bigint      NOT NULL DEFAULT 0,
  deferred_revenue    bigint      NOT NULL DEFAULT 0,
  revenue             bigint      NOT NULL DEFAULT 0,
  tax_payable         bigint      NOT NULL DEFAULT 0,
  customer_credit     bigint      NOT NULL DEFAULT 0,
  recorded_at         timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT ledger_entries_pkey PRIMARY KEY (entry_id, entry_date),
  CONSTRAINT ledger_entry_balances CHECK (
    accounts_receivable + cash + deferred_revenue + revenue + tax_payable + customer_credit = 0),
  CONSTRAINT ledger_entry_not_empty CHECK (
    accounts_receivable <> 0 OR cash <> 0 OR deferred_revenue <> 0 OR revenue <> 0
    OR tax_payable <> 0 OR customer_credit <> 0)
) PARTITION BY RANGE (entry_date);

SELECT setval('ledger_entries_entry_id_seq', last_value, is_called) FROM ledger_entries_was;

CREATE INDEX ledger_entries_invoice ON ledger_entries (invoice_id, entry_id);
CREATE INDEX ledger_entries_currency_period ON ledger_entries (currency, period);
CREATE INDEX ledger_entries_entry_date ON ledger_entries (entry_date);

CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_entries_open_period AFTER INSERT ON ledger_entries
  REFERENCING NEW TABLE AS new_entries
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_locked_period();
CREATE TRIGGER ledger_entries_posted_totals AFTER INSERT ON ledger_entries
  REFERENCING NEW TABLE AS new_entries
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_add_posted_totals();

CREATE TABLE ledger_entries_default PARTITION OF ledger_entries DEFAULT;
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries_default
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

DO $$
DECLARE
  v record;
  was record;
  bound date;
BEGIN
  FOR v IN SELECT name, def FROM ledger_entries_views ORDER BY name LOOP
    EXECUTE format('CREATE OR REPLACE VIEW %s AS %s', v.name, v.def);
  END LOOP;
  SELECT * INTO was FROM ledger_entries_was;
  IF NOT was.populated THEN
    DROP TABLE ledger_entries_legacy;
    RETURN;
  END IF;
  bound := greatest(date_trunc('month', current_date), date_trunc('month', was.latest)) + interval '1 month';
  -- A validated CHECK that implies the bound lets ATTACH skip its own scan of the table.
  EXECUTE format('ALTER TABLE ledger_entries_legacy ADD CONSTRAINT ledger_entries_legacy_bound CHECK (entry_date < %L)', bound);
  EXECUTE format('ALTER TABLE ledger_entries ATTACH PARTITION ledger_entries_legacy FOR VALUES FROM (MINVALUE) TO (%L)', bound);
  ALTER TABLE ledger_entries_legacy DROP CONSTRAINT ledger_entries_legacy_bound;
END $$;
