-- Issue 15: the revenue book of an invoice as a snapshot plus the events since, so a
-- posting's cost does not grow with the invoice's history.
--
-- revenue_invoices.snapshot: the fold of the invoice's timeline up to a point in its
--   business order (src/subscribers/revenue/bookSnapshot.ts, with its schema version;
--   one of another version is ignored and the book folded from its events).
--   `applied` now holds only the events since the snapshot (all of them while
--   snapshot is NULL, as every book written before this migration).
-- revenue_book_events: every event a book applied, one row each, appended once. A
--   late event dated before the snapshot point is posted on these (a full re-fold);
--   a posting otherwise reads only the rows of the events it posts and of their
--   payment ids.
-- ledger_posted_totals: what is posted per invoice and entry key (kind, line, payment,
--   origin day; recognition per origin month), kept by a statement trigger on
--   ledger_entries, so a posting reads the totals of its snapshot's window by index
--   instead of summing all of the invoice's entries.

ALTER TABLE revenue_invoices ADD COLUMN snapshot jsonb NULL;

CREATE TABLE revenue_book_events (
  invoice_id text  NOT NULL,
  event_id   text  NOT NULL,
  payment_id text  NULL,                                 -- InvoicePaid / InvoicePaymentReceived only
  body       jsonb NOT NULL,                             -- the BookEvent (facts and effective day)
  PRIMARY KEY (invoice_id, event_id)
);
CREATE INDEX revenue_book_events_payment ON revenue_book_events (invoice_id, payment_id) WHERE payment_id IS NOT NULL;

INSERT INTO revenue_book_events (invoice_id, event_id, payment_id, body)
SELECT i.invoice_id, e ->> 'eventId',
       CASE WHEN e ->> 'type' IN ('InvoicePaid', 'InvoicePaymentReceived') THEN e -> 'data' ->> 'paymentId' END, e
FROM revenue_invoices i CROSS JOIN LATERAL jsonb_array_elements(i.applied) AS e
ON CONFLICT DO NOTHING;

CREATE TABLE ledger_posted_totals (
  invoice_id          text   NOT NULL,
  bucket              date   NOT NULL,                   -- origin_date; its month's first day for recognition
  kind                text   NOT NULL,
  line_id             text   NOT NULL DEFAULT '',
  payment_id          text   NOT NULL DEFAULT '',
  last_origin         date   NOT NULL,
  accounts_receivable bigint NOT NULL DEFAULT 0,
  cash                bigint NOT NULL DEFAULT 0,
  deferred_revenue    bigint NOT NULL DEFAULT 0,
  revenue             bigint NOT NULL DEFAULT 0,
  tax_payable         bigint NOT NULL DEFAULT 0,
  customer_credit     bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (invoice_id, bucket, kind, line_id, payment_id)
);

CREATE FUNCTION ledger_add_posted_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO ledger_posted_totals AS t (invoice_id, bucket, kind, line_id, payment_id, last_origin, accounts_receivable,
                                         cash, deferred_revenue, revenue, tax_payable, customer_credit)
  SELECT invoice_id, CASE WHEN kind = 'recognition' THEN date_trunc('month', origin_date)::date ELSE origin_date END AS bucket,
         kind, coalesce(line_id, ''), coalesce(payment_id, ''), max(origin_date), sum(accounts_receivable), sum(cash),
         sum(deferred_revenue), sum(revenue), sum(tax_payable), sum(customer_credit)
  FROM new_entries
  GROUP BY 1, 2, 3, 4, 5
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
CREATE TRIGGER ledger_entries_posted_totals AFTER INSERT ON ledger_entries
  REFERENCING NEW TABLE AS new_entries
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_add_posted_totals();

INSERT INTO ledger_posted_totals (invoice_id, bucket, kind, line_id, payment_id, last_origin, accounts_receivable,
                                  cash, deferred_revenue, revenue, tax_payable, customer_credit)
SELECT invoice_id, CASE WHEN kind = 'recognition' THEN date_trunc('month', origin_date)::date ELSE origin_date END,
       kind, coalesce(line_id, ''), coalesce(payment_id, ''), max(origin_date), sum(accounts_receivable), sum(cash),
       sum(deferred_revenue), sum(revenue), sum(tax_payable), sum(customer_credit)
FROM ledger_entries
GROUP BY 1, 2, 3, 4, 5;
