import { sql } from 'kysely';
import type { Executor } from '../../db/connect.ts';
import { ValidationError, type FieldIssue } from '../../errors.ts';
import { parseEventData } from '../../events/envelope.ts';
import { INVOICE_EVENT_TYPES } from '../../events/eventTypes.ts';
import { MAX_INVOICE_MAGNITUDE, type InvoiceLine } from '../../events/schemas/invoiceEvents.ts';
import { dayIssue, invoiceContentIssues } from '../invoiceBounds.ts';
import type { Limits } from '../../values/limits.ts';
import type { ImportedEvent } from './importEvents.ts';
import { importField } from './importRules.ts';

const PAYMENT_TYPES = ['InvoicePaymentReceived', 'InvoicePaid'];
/** May follow an invoice at its event cap (as on the API): settling, voiding, deleting. */
const CLOSING_TYPES = ['InvoicePaid', 'InvoiceVoided', 'InvoiceDeleted'];

/**
 * Holds imported invoice events to the same limits as the API (src/values/limits.ts): lines,
 * service periods and dates of InvoiceCreated/InvoiceUpdated, the sum of an invoice's
 * payments (a safe integer, as its lines' sum is by the contract), and the number of
 * events per invoice counting those already stored. A breach refuses the whole
 * request (400 naming the event and field) before anything is written, so a sum the
 * books cannot hold never reaches the revenue subscriber. Runs in the import's
 * transaction, with a per-invoice lock so two concurrent imports cannot both pass the
 * cap. Events already stored (a retried request) are not counted again.
 */
export async function checkImportBounds(db: Executor, events: readonly ImportedEvent[], limits: Limits): Promise<void> {
  const at = (i: number, field: string) => importField(events, i, field);
  const issues: FieldIssue[] = [];
  const payments = new Map<number, { paymentId: string; amount: number }>();
  events.forEach((e, i) => {
    const day = dayIssue(e.occurredAt, at(i, 'occurredAt'), limits);
    if (day) issues.push(day);
    const prefix = events.length > 1 ? [i, 'data'] : ['data'];
    if (e.type === 'InvoicePaymentReceived' || e.type === 'InvoicePaid') payments.set(i, parseEventData(e.type, e.data, prefix));
    if (e.type === 'InvoiceCreated' || e.type === 'InvoiceUpdated') {
      const data = parseEventData(e.type, e.data, prefix);
      const content = { issuedAt: data.issuedAt, dueDate: data.dueDate, lines: data.lines as InvoiceLine[] };
      issues.push(...invoiceContentIssues(content, limits, at(i, 'data')));
    }
  });
  if (issues.length > 0) throw new ValidationError('imported events outside the configured limits', issues);

  const invoiceIds = [...new Set(events.filter((e) => e.type !== 'PeriodClosed').map((e) => e.invoiceId!))].sort();
  if (invoiceIds.length === 0) return;
  const stored = await loadInvoiceTallies(db, invoiceIds, events.map((e) => e.eventId));

  events.forEach((e, i) => {
    if (e.type === 'PeriodClosed' || stored.storedEventIds.has(e.eventId)) return;
    const tally = stored.byInvoice.get(e.invoiceId!) ?? { events: 0, payments: new Map<string, bigint>() };
    stored.byInvoice.set(e.invoiceId!, tally);
    const cap = limits.maxInvoiceEvents + (CLOSING_TYPES.includes(e.type) ? 2 : 0);
    if (tally.events >= cap) {
      issues.push({
        field: at(i, 'invoiceId'),
        message: `invoice ${e.invoiceId} has ${tally.events} events, the most one invoice takes (ACCRUE_MAX_INVOICE_EVENTS=${limits.maxInvoiceEvents}; a closing InvoicePaid, InvoiceVoided or InvoiceDeleted may add 2)`,
      });
    }
    tally.events += 1;
    const payment = payments.get(i);
    if (payment) {
      const { paymentId } = payment;
      const amount = BigInt(payment.amount);
      const prior = tally.payments.get(paymentId) ?? 0n;
      if (amount > prior) tally.payments.set(paymentId, amount);
      const paid = [...tally.payments.values()].reduce((s, a) => s + a, 0n);
      if (paid > MAX_INVOICE_MAGNITUDE) {
        issues.push({
          field: at(i, 'data.amount'),
          message: `the payments of invoice ${e.invoiceId} would sum to ${paid}, more than ${MAX_INVOICE_MAGNITUDE} (2^53-1, the largest exact amount)`,
        });
      }
    }
  });
  if (issues.length > 0) throw new ValidationError('imported events outside the configured limits', issues);
}

type Tally = { events: number; payments: Map<string, bigint> };

/** Per invoice: its stored invoice events (not Revenue*) and, per paymentId, the largest amount stored. */
async function loadInvoiceTallies(db: Executor, invoiceIds: string[], eventIds: string[]) {
  await sql`SELECT count(pg_advisory_xact_lock(hashtextextended('accrue:import:' || id, 0))) FROM unnest(${invoiceIds}::text[]) AS id`.execute(db);
  // One round trip: the tallies, and which of these eventIds are already stored (`seen`).
  const { rows } = await sql<{ invoice_id: string | null; events: number; payment_id: string | null; amount: string | null; seen: string | null }>`
    SELECT aggregate_id AS invoice_id, count(*)::int AS events, NULL AS payment_id, NULL AS amount, NULL AS seen
    FROM events
    WHERE aggregate_type = 'invoice' AND aggregate_id = ANY(${invoiceIds}::text[]) AND type = ANY(${INVOICE_EVENT_TYPES}::text[])
    GROUP BY aggregate_id
    UNION ALL
    SELECT aggregate_id, 0, data ->> 'paymentId', max((data ->> 'amount')::numeric)::text, NULL
    FROM events
    WHERE aggregate_type = 'invoice' AND aggregate_id = ANY(${invoiceIds}::text[]) AND type = ANY(${PAYMENT_TYPES}::text[])
    GROUP BY aggregate_id, data ->> 'paymentId'
    UNION ALL
    SELECT NULL, 0, NULL, NULL, external_id
    FROM events
    WHERE source = 'import' AND external_id = ANY(${eventIds}::text[])
  `.execute(db);
  const byInvoice = new Map<string, Tally>();
  const storedEventIds = new Set<string>();
  for (const r of rows) {
    if (r.seen !== null) {
      storedEventIds.add(r.seen);
      continue;
    }
    const tally = byInvoice.get(r.invoice_id!) ?? { events: 0, payments: new Map<string, bigint>() };
    byInvoice.set(r.invoice_id!, tally);
    tally.events += r.events;
    if (r.payment_id !== null && r.amount !== null) tally.payments.set(r.payment_id, BigInt(r.amount));
  }
  return { byInvoice, storedEventIds };
}
