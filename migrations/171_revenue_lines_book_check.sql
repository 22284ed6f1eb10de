-- Issue 10, seventh step: a revenue line's book checked once per statement, not once per row.
--
-- revenue_lines.invoice_id referenced revenue_invoices through a foreign key: every
-- line inserted ran the key's check trigger (an SPI query locking the book FOR KEY
-- SHARE), ~270 a 500-event posting. auto_explain (log_triggers) on a 30,000-event
-- revenue drain put those checks at ~21 % of the posting statement's time (57 of 270
-- us an event, loaded machine), more than any one insert of the statement.
--
-- The same rule, as the tables' other set-based checks (ledger_posted_totals,
-- events_record_keys), with statement triggers over transition tables:
--   * lines inserted: each names a book (one anti-join a statement);
--   * a line moved to another invoice (UPDATE of invoice_id): the new one exists;
--   * books deleted, truncated, or renamed (a row trigger only when invoice_id changes):
--     no line still names them.
-- Refused as the key refused (SQLSTATE 23503, the key's constraint name).
-- What is traded: the key locked the book FOR KEY SHARE until commit, so a concurrent
-- DELETE of that book waited for the posting. Nothing deletes books (the revenue
-- subscriber has no reset; postings of an invoice serialise on its advisory lock), so
-- only an operator deleting a book while it is being posted could leave its lines.

ALTER TABLE revenue_lines DROP CONSTRAINT revenue_lines_invoice_id_fkey;

CREATE FUNCTION revenue_lines_refuse_missing_book() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE TRIGGER revenue_lines_book_on_insert AFTER INSERT ON revenue_lines
  REFERENCING NEW TABLE AS new_lines
  FOR EACH STATEMENT EXECUTE FUNCTION revenue_lines_refuse_missing_book();

CREATE FUNCTION revenue_lines_refuse_moved_to_missing_book() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM revenue_invoices i WHERE i.invoice_id = NEW.invoice_id) THEN
    RAISE EXCEPTION 'revenue line of invoice % has no book (revenue_invoices)', NEW.invoice_id
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'revenue_lines_invoice_id_fkey', TABLE = 'revenue_lines';
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER revenue_lines_book_on_move AFTER UPDATE ON revenue_lines
  FOR EACH ROW WHEN (OLD.invoice_id IS DISTINCT FROM NEW.invoice_id)
  EXECUTE FUNCTION revenue_lines_refuse_moved_to_missing_book();

CREATE FUNCTION revenue_invoices_refuse_orphan_lines() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE TRIGGER revenue_invoices_lines_on_delete AFTER DELETE ON revenue_invoices
  REFERENCING OLD TABLE AS old_books
  FOR EACH STATEMENT EXECUTE FUNCTION revenue_invoices_refuse_orphan_lines();
CREATE TRIGGER revenue_invoices_lines_on_truncate AFTER TRUNCATE ON revenue_invoices
  FOR EACH STATEMENT EXECUTE FUNCTION revenue_invoices_refuse_orphan_lines();

CREATE FUNCTION revenue_invoices_refuse_renamed_with_lines() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM revenue_lines l WHERE l.invoice_id = OLD.invoice_id)
     AND NOT EXISTS (SELECT 1 FROM revenue_invoices i WHERE i.invoice_id = OLD.invoice_id) THEN
    RAISE EXCEPTION 'book of invoice % still has revenue lines (revenue_lines)', OLD.invoice_id
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'revenue_lines_invoice_id_fkey', TABLE = 'revenue_invoices';
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER revenue_invoices_lines_on_rename AFTER UPDATE ON revenue_invoices
  FOR EACH ROW WHEN (OLD.invoice_id IS DISTINCT FROM NEW.invoice_id)
  EXECUTE FUNCTION revenue_invoices_refuse_renamed_with_lines();
