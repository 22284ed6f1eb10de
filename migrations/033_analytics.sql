-- Analytics: per-invoice facts kept by the analytics subscriber from invoice events
-- (API-made and imported alike), and the aggregates people query, as SQL.
--
-- Events may arrive in any order and more than once (the inbox drops exact repeats),
-- so every write is commutative or version-checked:
--   * the invoice's state (currency, total, tax, due date) comes from the
--     InvoiceCreated/InvoiceUpdated with the highest (version, position); an older
--     one only fills fields still unknown;
--   * payments are keyed by paymentId (InvoicePaid usually repeats one already
--     received): amount = GREATEST, date = LEAST;
--   * voided_on = LEAST of the void/delete dates; a due date learnt from
--     InvoiceOverdue fills in for imports whose InvoiceCreated had none.
-- A row may exist before its InvoiceCreated (a payment or void delivered first);
-- it has no currency yet and the aggregates leave it out until it does.
--
-- Amounts are the invoice's latest version; dates are business dates (occurredAt or
-- the date in the payload), so "as of" questions are answered from the facts.
--
-- Queries for people:
--   SELECT * FROM analytics_monthly(current_date) ORDER BY currency, month;
--   SELECT * FROM analytics_aging('2026-03-31') ORDER BY currency;
--   SELECT * FROM analytics_invoice_status WHERE status = 'open' ORDER BY due_date;

CREATE TABLE analytics_invoices (
  invoice_id        text        PRIMARY KEY,
  customer_id       text        NULL,
  currency          char(3)     NULL,
  issued_on         date        NULL,
  due_date          date        NULL,
  overdue_due_date  date        NULL,
  total             bigint      NULL,
  tax               bigint      NULL,
  -- (version, position) of the InvoiceCreated/Updated whose state is kept
  version           integer     NOT NULL DEFAULT 0,
  position          bigint      NOT NULL DEFAULT 0,
  voided_on         date        NULL,
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX analytics_invoices_currency_issued ON analytics_invoices (currency, issued_on);

CREATE TABLE analytics_payments (
  invoice_id  text   NOT NULL,
  payment_id  text   NOT NULL,
  amount      bigint NOT NULL CHECK (amount >= 0),
  received_on date   NOT NULL,
  PRIMARY KEY (invoice_id, payment_id)
);

-- Every invoice with its state now: paid so far, amount due, status.
CREATE VIEW analytics_invoice_status AS
SELECT i.invoice_id, i.customer_id, i.currency, i.issued_on,
       COALESCE(i.due_date, i.overdue_due_date) AS due_date,
       i.total, i.tax, i.voided_on,
       COALESCE(p.paid, 0)::bigint AS amount_paid,
       CASE WHEN i.voided_on IS NOT NULL THEN 0
            ELSE GREATEST(i.total - COALESCE(p.paid, 0), 0) END::bigint AS amount_due,
       CASE WHEN i.voided_on IS NOT NULL THEN 'void'
            WHEN COALESCE(p.paid, 0) >= i.total THEN 'paid'
            ELSE 'open' END AS status
FROM analytics_invoices i
LEFT JOIN (SELECT invoice_id, sum(amount) AS paid FROM analytics_payments GROUP BY invoice_id) p USING (invoice_id)
WHERE i.currency IS NOT NULL;

-- Open balance of every invoice as of a day: issued on or before it, not voided by
-- then, minus the payments received by then. days_past_due is NULL without a due date.
CREATE FUNCTION analytics_open_balances(as_of date)
RETURNS TABLE (invoice_id text, currency char(3), issued_on date, due_date date, balance bigint, days_past_due integer)
LANGUAGE sql STABLE AS $$
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

-- Per currency and month, as of a day:
--   invoiced    = totals of invoices issued that month (not voided by as_of)
--   collected   = payments received that month (by as_of)
--   outstanding = what is still open of the invoices issued that month
--   overdue     = the part of outstanding whose due date is before as_of
CREATE FUNCTION analytics_monthly(as_of date)
RETURNS TABLE (currency char(3), month text, invoiced bigint, collected bigint, outstanding bigint, overdue bigint)
LANGUAGE sql STABLE AS $$
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

-- Accounts-receivable aging per currency as of a day, by days past due:
-- current (not yet due, or no due date), 1-30, 31-60, 61-90, over 90.
CREATE FUNCTION analytics_aging(as_of date)
RETURNS TABLE (currency char(3), current bigint, days_1_30 bigint, days_31_60 bigint,
               days_61_90 bigint, days_over_90 bigint, total bigint)
LANGUAGE sql STABLE AS $$
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
