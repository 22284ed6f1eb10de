-- Money is bigint here and a safe integer in the application (pgTypes.ts refuses to
-- read an int8 beyond 2^53-1). A row the application cannot read back must not be
-- committable: an invoice create is one autocommitted statement, so a total of 2^54
-- used to be stored and only then fail as a 500, and a retrying client created it
-- twice (issue 9, defect 4). The API and imports refuse such sums first (400); these
-- checks make the database say the same for any other writer.
-- NOT VALID: enforced for every new or changed row without failing the migration on a
-- database that already holds one such row (find them with the same conditions).
ALTER TABLE invoices ADD CONSTRAINT invoices_amounts_exact
  CHECK (total BETWEEN -9007199254740991 AND 9007199254740991
     AND tax BETWEEN -9007199254740991 AND 9007199254740991
     AND amount_paid BETWEEN 0 AND 9007199254740991) NOT VALID;
ALTER TABLE invoice_payments ADD CONSTRAINT invoice_payments_amount_exact
  CHECK (amount <= 9007199254740991) NOT VALID;
