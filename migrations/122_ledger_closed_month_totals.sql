-- Issue 15: the journal's totals per currency and closed month, written when a month is
-- closed (applyPeriodClose). A closed month can never receive another entry (the
-- ledger_entries_open_period trigger refuses it), so its totals are final: reports read
-- them instead of summing the month's entries, and sum entries only for open months
-- (and the month of their asOf day). Backfilled for months already closed.

CREATE TABLE ledger_closed_month_totals (
  currency            char(3) NOT NULL,
  period              char(7) NOT NULL,
  accounts_receivable bigint  NOT NULL,
  cash                bigint  NOT NULL,
  deferred_revenue    bigint  NOT NULL,
  revenue             bigint  NOT NULL,
  tax_payable         bigint  NOT NULL,
  customer_credit     bigint  NOT NULL,
  PRIMARY KEY (currency, period)
);

-- Open months are read by entry date.
CREATE INDEX ledger_entries_entry_date ON ledger_entries (entry_date);

INSERT INTO ledger_closed_month_totals
SELECT currency, period, sum(accounts_receivable), sum(cash), sum(deferred_revenue), sum(revenue), sum(tax_payable), sum(customer_credit)
FROM ledger_entries
WHERE period <= (SELECT max(period) FROM ledger_period_locks)
GROUP BY currency, period;
