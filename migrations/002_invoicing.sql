-- State of the write side: customers and invoices as the API's commands keep them.
-- Every change here commits together with its events (events + outbox).

CREATE TABLE customers (
  id          text        PRIMARY KEY,
  name        text        NOT NULL,
  email       text        NOT NULL,
  external_id text        NULL UNIQUE,
  version     integer     NOT NULL DEFAULT 1,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE invoices (
  id           text        PRIMARY KEY,
  customer_id  text        NOT NULL REFERENCES customers (id),
  currency     char(3)     NOT NULL,
  status       text        NOT NULL CHECK (status IN ('open', 'paid', 'void', 'deleted')),
  issued_at    date        NOT NULL,
  due_date     date        NULL,
  lines        jsonb       NOT NULL,
  total        bigint      NOT NULL,
  tax          bigint      NOT NULL,
  amount_paid  bigint      NOT NULL DEFAULT 0,
  version      integer     NOT NULL DEFAULT 1,
  void_reason  text        NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX invoices_customer ON invoices (customer_id, id);
CREATE INDEX invoices_status ON invoices (status, id);
CREATE INDEX invoices_issued ON invoices (issued_at, id);

CREATE TABLE invoice_payments (
  invoice_id  text        NOT NULL REFERENCES invoices (id),
  payment_id  text        NOT NULL,
  amount      bigint      NOT NULL CHECK (amount >= 0),
  received_at date        NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (invoice_id, payment_id)
);

-- Only the hash of a key is stored; the token is shown once at creation.
CREATE TABLE api_keys (
  id          text        PRIMARY KEY,
  name        text        NOT NULL,
  token_hash  text        NOT NULL UNIQUE,
  scopes      text[]      NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz NULL
);

-- Idempotency-Key on POSTs: the first response is kept and returned again.
CREATE TABLE idempotency_keys (
  principal    text        NOT NULL,
  key          text        NOT NULL,
  method       text        NOT NULL,
  path         text        NOT NULL,
  request_hash text        NOT NULL,
  status       integer     NOT NULL,
  response     jsonb       NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (principal, key)
);
