-- Issue 10, eighth step: two of the four indexes every ledger entry paid for go.
--
-- A 30,000-event revenue drain wrote ~0.7 entries an event, each into four btrees:
-- ledger_entries_pkey, ledger_entries_invoice, ledger_entries_currency_period and
-- ledger_entries_entry_date (pg_walinspect: ~100 B and 1.4 WAL records an event for the
-- last two). Their readers:
--   * ledger_entries_currency_period: none. The reports filter on currency with
--     `($1 IS NULL OR currency = $1)`, which no plan answers from the index, and the
--     operators' "revenue per month" (docs/revenue-ledger.md) sums every entry.
--   * ledger_entries_entry_date (migration 122, when the table was one heap): the reports
--     read the open months from their first day to asOf, and since migration 131 a
--     month is a partition of its own, so the range is the partition's rows up to asOf
--     (pruning finds the month; the scan reads it). Only a partition holding many
--     months needs the index to find a range in it: ledger_entries_legacy (every entry
--     older than migration 131) and ledger_entries_default (should hold nothing). They
--     keep a plain index of their own (<partition>_entry_date).
-- The primary key (entry_id, entry_date) and ledger_entries_invoice (an invoice's journal,
-- its audit, the history) stay.

DO $$
DECLARE
  p regclass;
BEGIN
  FOREACH p IN ARRAY ARRAY[to_regclass('ledger_entries_legacy'), to_regclass('ledger_entries_default')] LOOP
    CONTINUE WHEN p IS NULL OR NOT EXISTS (SELECT 1 FROM pg_inherits WHERE inhparent = 'ledger_entries'::regclass AND inhrelid = p);
    EXECUTE format('CREATE INDEX %I ON %s (entry_date)', p::text || '_entry_date_kept', p);
  END LOOP;
END $$;

DROP INDEX ledger_entries_entry_date;
DROP INDEX ledger_entries_currency_period;

DO $$
DECLARE
  i regclass;
BEGIN
  FOREACH i IN ARRAY ARRAY[to_regclass('ledger_entries_legacy_entry_date_kept'), to_regclass('ledger_entries_default_entry_date_kept')] LOOP
    CONTINUE WHEN i IS NULL;
    EXECUTE format('ALTER INDEX %s RENAME TO %I', i, replace(i::text, '_entry_date_kept', '_entry_date'));
  END LOOP;
END $$;
