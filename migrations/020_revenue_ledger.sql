-- The revenue ledger (REVENUE.md): a double-entry journal per currency, the
-- per-invoice books the revenue subscriber keeps, and period locks.
--
-- ledger_entries: one row per journal entry. The six account columns are the
-- entry's lines as signed amounts (debit positive, credit negative); a column of 0
-- is "no line" (journal lines of 0 are never written). Storing the lines as
-- columns lets a CHECK prove every entry balances at insert time without a
-- per-row trigger, which matters for the daily run (100,000 entries at once).
-- The view ledger_lines shows the classic (entry, account, debit, credit) form.

CREATE TABLE ledger_entries (
  entry_id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  currency            char(3)     NOT NULL,
  entry_date          date        NOT NULL,              -- business date the entry is posted on
  -- 'YYYY-MM' built from extract() because to_char() is not immutable.
  period              char(7)     GENERATED ALWAYS AS (
                        extract(year FROM entry_date)::int::text || '-' ||
                        lpad(extract(month FROM entry_date)::int::text, 2, '0')) STORED,
  -- The business date the amount belongs to by the rules. Equal to entry_date unless
  -- that month was locked, in which case the entry lands on the first open day.
  origin_date         date        NOT NULL,
  kind                text        NOT NULL CHECK (kind IN ('invoice_issued', 'recognition', 'invoice_updated',
                        'revenue_adjusted', 'payment_received', 'revenue_reversed', 'invoice_voided')),
  invoice_id          text        NOT NULL,
  line_id             text        NULL,
  payment_id          text        NULL,
  event_id            uuid        NULL,                  -- the invoice event that caused it (NULL: daily run / period close)
  note                text        NULL,
  accounts_receivable bigint      NOT NULL DEFAULT 0,
  cash                bigint      NOT NULL DEFAULT 0,
  deferred_revenue    bigint      NOT NULL DEFAULT 0,
  revenue             bigint      NOT NULL DEFAULT 0,
  tax_payable         bigint      NOT NULL DEFAULT 0,
  customer_credit     bigint      NOT NULL DEFAULT 0,
  recorded_at         timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT ledger_entry_balances CHECK (
    accounts_receivable + cash + deferred_revenue + revenue + tax_payable + customer_credit = 0),
  CONSTRAINT ledger_entry_not_empty CHECK (
    accounts_receivable <> 0 OR cash <> 0 OR deferred_revenue <> 0 OR revenue <> 0
    OR tax_payable <> 0 OR customer_credit <> 0)
);
CREATE INDEX ledger_entries_invoice ON ledger_entries (invoice_id, entry_id);
CREATE INDEX ledger_entries_currency_period ON ledger_entries (currency, period);

CREATE VIEW ledger_lines AS
  SELECT e.entry_id, e.currency, e.entry_date, e.period, e.kind, e.invoice_id, e.line_id, e.payment_id,
         l.account, GREATEST(l.amount, 0) AS debit, GREATEST(-l.amount, 0) AS credit
  FROM ledger_entries e
  CROSS JOIN LATERAL (VALUES
    ('AccountsReceivable', e.accounts_receivable), ('Cash', e.cash), ('DeferredRevenue', e.deferred_revenue),
    ('Revenue', e.revenue), ('TaxPayable', e.tax_payable), ('CustomerCredit', e.customer_credit)) AS l (account, amount)
  WHERE l.amount <> 0;

-- Append-only: corrections are new entries.
CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger entries are append-only: % refused (post a correcting entry instead)', TG_OP
    USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

-- Closed months. Closing M locks M and every earlier month.
CREATE TABLE ledger_period_locks (
  period    char(7)     PRIMARY KEY CHECK (period ~ '^\d{4}-(0[1-9]|1[0-2])$'),
  event_id  uuid        NULL,
  locked_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE TRIGGER ledger_period_locks_append_only BEFORE UPDATE OR DELETE ON ledger_period_locks
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

-- The database refuses entries dated in a locked month. A statement trigger with a
-- transition table checks a 100,000-row insert with one query instead of 100,000.
CREATE FUNCTION ledger_refuse_locked_period() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE TRIGGER ledger_entries_open_period AFTER INSERT ON ledger_entries
  REFERENCING NEW TABLE AS new_entries
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_locked_period();

-- The book of each invoice as the revenue subscriber knows it. `applied` keeps the
-- invoice events that shape the books (their business facts only), so the posting
-- code can recompute the invoice's target journal from the set of events whatever
-- order they came in; `parked` holds events that arrived before InvoiceCreated.
CREATE TABLE revenue_invoices (
  invoice_id     text        PRIMARY KEY,
  currency       char(3)     NULL,                       -- NULL while only parked events exist
  status         text        NOT NULL CHECK (status IN ('pending', 'open', 'paid', 'void')),
  version        integer     NOT NULL DEFAULT 0,
  total          bigint      NOT NULL DEFAULT 0,
  tax            bigint      NOT NULL DEFAULT 0,
  net_revenue    bigint      NOT NULL DEFAULT 0,
  amount_paid    bigint      NOT NULL DEFAULT 0,
  amount_due     bigint      NOT NULL DEFAULT 0,
  issued_on      date        NULL,
  first_event_on date        NOT NULL,                   -- earliest occurredAt of any event seen (report range)
  horizon        date        NULL,                       -- service days before this are recognised
  applied        jsonb       NOT NULL DEFAULT '[]',
  parked         jsonb       NOT NULL DEFAULT '[]',
  updated_at     timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX revenue_invoices_currency ON revenue_invoices (currency) WHERE currency IS NOT NULL;

-- One row per revenue line of an invoice's current version: its net amount after
-- discounts and how far it has been recognised. The daily run works from here.
CREATE TABLE revenue_lines (
  invoice_id         text    NOT NULL REFERENCES revenue_invoices (invoice_id),
  line_id            text    NOT NULL,
  currency           char(3) NOT NULL,
  position           integer NOT NULL,
  net_amount         bigint  NOT NULL,
  service_start      date    NULL,                       -- NULL: point in time (recognised on issue)
  service_end        date    NULL,                       -- exclusive
  recognized         bigint  NOT NULL DEFAULT 0,         -- cumulative C(recognized_through)
  recognized_through date    NOT NULL,
  prev_through       date    NULL,                       -- scratch for the daily run's set-based UPDATE
  active             boolean NOT NULL,                   -- still has days to recognise
  PRIMARY KEY (invoice_id, line_id),
  CHECK (service_start IS NULL OR service_end > service_start)
);
CREATE INDEX revenue_lines_due ON revenue_lines (recognized_through) WHERE active;

-- UUIDv7 in SQL for revenue events the daily run emits set-based (Postgres 15 has no
-- built-in): 48-bit unix milliseconds, version 7, variant 10, random rest.
CREATE FUNCTION accrue_uuidv7() RETURNS uuid LANGUAGE sql VOLATILE AS $$
  SELECT encode(
    set_bit(set_bit(
      overlay(uuid_send(gen_random_uuid())
              PLACING substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
              FROM 1 FOR 6),
      52, 1), 53, 1), 'hex')::uuid
$$;
