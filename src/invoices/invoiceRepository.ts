import { sql, type Selectable } from 'kysely';
import type { Executor } from '../db/connect.ts';
import { preparedStatement } from '../db/preparedStatements.ts';
import type { InvoicesTable } from '../db/tables/invoicingTables.ts';
import { ConflictError, InvariantError, ValidationError } from '../errors.ts';
import type { InvoiceLine } from '../events/schemas/invoiceEvents.ts';
import type { toEventRows } from '../events/appendEvents.ts';
import type { InvoiceState, InvoiceStatus } from './invoice.ts';

type EventRow = ReturnType<typeof toEventRows>[number];

type Row = Selectable<InvoicesTable>;
export type StoredInvoice = InvoiceState & { createdAt: Date; updatedAt: Date };

function toState(row: Row): StoredInvoice {
  return {
    id: row.id,
    customerId: row.customer_id,
    currency: row.currency,
    status: row.status,
    issuedAt: row.issued_at,
    dueDate: row.due_date,
    lines: row.lines as InvoiceLine[],
    total: row.total,
    tax: row.tax,
    amountPaid: row.amount_paid,
    version: row.version,
    voidReason: row.void_reason,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function findInvoice(db: Executor, id: string, options: { forUpdate?: boolean } = {}): Promise<StoredInvoice | null> {
  let q = db.selectFrom('invoices').selectAll().where('id', '=', id);
  if (options.forUpdate) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  return row ? toState(row) : null;
}

// The API's hot statement: compiled once, prepared once per connection (db/preparedStatements.ts).
// One call of migration 170's function: the invoice row, its InvoiceCreated event and the
// event's outbox row, in that order, as the three-CTE statement it replaces wrote them; its
// statements are planned once per session by the server, where the CTEs were parsed and
// planned on every unprepared call (docs/performance.md, "Sixth step (c)").
const insertInvoiceStatement = preparedStatement('insert_invoice_with_event', (db, a: { invoice: InvoiceRow; event: EventRow }) => {
  const { invoice: i, event: e } = a;
  return db
    .selectFrom(
      sql<{ created_at: Date; updated_at: Date }>`insert_invoice_with_event(${i.id}, ${i.customer_id}, ${i.currency}, ${i.status}, ${i.issued_at}, ${i.due_date},
        ${i.lines}, ${i.total}, ${i.tax}, ${i.amount_paid}, ${i.version},
        ${e.event_id}, ${e.type}, ${e.schema_version}, ${e.aggregate_type}, ${e.aggregate_version}, ${e.occurred_at},
        ${e.correlation_id}, ${e.causation_id}, ${e.traceparent}, ${e.actor}, ${e.source}, ${e.external_id}, ${e.data})`.as('w'),
    )
    .select(['w.created_at', 'w.updated_at']);
});

type InvoiceRow = { id: string; customer_id: string; currency: string; issued_at: string } & ReturnType<typeof stateColumns>;

/**
 * Inserts the invoice, its InvoiceCreated event and the event's outbox row in ONE
 * statement: atomic on its own, so a create without Idempotency-Key needs no
 * BEGIN/COMMIT (1 round trip instead of 4; see bench/figures/httpWritePath.ts). Also
 * fine inside a transaction. The answer is the state just decided plus the row's
 * timestamps, not a parse of the returned row: without a transaction the statement has
 * committed by the time its rows are parsed, so a parse that throws (an int8 beyond
 * 2^53 once made the client see a 500 for a stored invoice and retry into a duplicate)
 * must not be possible here.
 */
export async function insertInvoiceWithEvents(db: Executor, s: InvoiceState, events: EventRow[]): Promise<StoredInvoice> {
  const [event, ...more] = events;
  if (!event || more.length > 0 || event.aggregate_id !== s.id) throw new InvariantError(`invoice ${s.id}: a create writes exactly one event of its own, got ${events.length}`);
  try {
    const invoice = { id: s.id, customer_id: s.customerId, currency: s.currency, issued_at: s.issuedAt, ...stateColumns(s) };
    const [row] = await insertInvoiceStatement(db, { invoice, event });
    if (!row) throw new InvariantError(`invoice ${s.id}: the insert returned no row`);
    return { ...s, createdAt: row.created_at, updatedAt: row.updated_at };
  } catch (err) {
    // The FK saves a round trip per create (no SELECT of the customer first).
    if ((err as { code?: string }).code === '23503' && (err as { constraint?: string }).constraint === 'invoices_customer_id_fkey') {
      throw new ValidationError('unknown customer', [{ field: 'customerId', message: `no customer ${s.customerId}` }], { cause: err });
    }
    throw err;
  }
}

/** The columns an invoice's state decides, written alike by the create and every update. */
function stateColumns(s: InvoiceState) {
  return { status: s.status, due_date: s.dueDate, lines: JSON.stringify(s.lines), total: s.total, tax: s.tax, amount_paid: s.amountPaid, version: s.version };
}

/** Writes the new state; `fromVersion` guards against a writer that skipped the row lock. */
export async function updateInvoice(db: Executor, s: InvoiceState, fromVersion: number): Promise<StoredInvoice> {
  const row = await db
    .updateTable('invoices')
    .set({ ...stateColumns(s), void_reason: s.voidReason, updated_at: new Date() })
    .where('id', '=', s.id)
    .where('version', '=', fromVersion)
    .returningAll()
    .executeTakeFirst();
  if (!row) throw new ConflictError(`invoice ${s.id} changed concurrently`);
  return toState(row);
}

export async function insertPayment(
  db: Executor,
  p: { invoiceId: string; paymentId: string; amount: number; receivedAt: string },
): Promise<void> {
  const inserted = await db
    .insertInto('invoice_payments')
    .values({ invoice_id: p.invoiceId, payment_id: p.paymentId, amount: p.amount, received_at: p.receivedAt })
    .onConflict((oc) => oc.columns(['invoice_id', 'payment_id']).doNothing())
    .returning('payment_id')
    .executeTakeFirst();
  if (!inserted) throw new ConflictError(`payment ${p.paymentId} is already recorded on invoice ${p.invoiceId}`);
}

export type InvoiceFilter = {
  customerId?: string;
  /** The customer's id in the caller's own system (customers.external_id). */
  customerExternalId?: string;
  status?: InvoiceStatus;
  issuedFrom?: string;
  issuedTo?: string;
  after?: string;
  limit: number;
};

/** Keyset pagination on id (ids are UUIDv7-based, so id order is creation order). */
export async function listInvoices(db: Executor, f: InvoiceFilter): Promise<{ items: StoredInvoice[]; nextCursor: string | null }> {
  let q = db.selectFrom('invoices').selectAll().orderBy('id').limit(f.limit + 1);
  if (f.customerId) q = q.where('customer_id', '=', f.customerId);
  if (f.customerExternalId) {
    const externalId = f.customerExternalId;
    q = q.where('customer_id', 'in', (eb) => eb.selectFrom('customers').select('id').where('external_id', '=', externalId));
  }
  if (f.status) q = q.where('status', '=', f.status);
  if (f.issuedFrom) q = q.where('issued_at', '>=', f.issuedFrom);
  if (f.issuedTo) q = q.where('issued_at', '<=', f.issuedTo);
  if (f.after) q = q.where('id', '>', f.after);
  const rows = await q.execute();
  const page = rows.slice(0, f.limit).map(toState);
  return { items: page, nextCursor: rows.length > f.limit ? page.at(-1)!.id : null };
}
