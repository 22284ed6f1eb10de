-- Issue 10, eighth step: posted totals under a new key are inserted without ON CONFLICT.
--
-- ledger_entries_posted_totals adds each statement's entries to ledger_posted_totals with
-- one INSERT .. ON CONFLICT DO UPDATE. In a revenue drain nearly every totals row is new
-- (an invoice's events arrive together), and each such row paid a speculative insertion:
-- a probe of the key, then a HEAP_CONFIRM WAL record (~0.7 records and 34 B an event).
-- Now each group's key is looked up first (a lateral subquery with LIMIT 1, so the plan
-- is one probe of the key whatever the table's size): a key not there yet is inserted
-- plainly, an existing one is added to as before (ON CONFLICT finds it at once and writes
-- no confirmation). A key inserted meanwhile by a concurrent statement (postings of an
-- invoice serialise on its lock, and the daily run skips a locked invoice, so only a
-- writer that takes no lock) makes one of them fail on the key and be retried: no sum is
-- ever lost or doubled.

-- The function's plans are cached by each session, planned when the table may still be
-- small: without enable_seqscan = off the probe was planned as a scan of the table (LIMIT
-- 1 makes that look cheap) and kept as it grew (a drain's trigger went 35 → 640 us an event).
CREATE OR REPLACE FUNCTION ledger_add_posted_totals() RETURNS trigger LANGUAGE plpgsql SET enable_seqscan = off AS $$
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
