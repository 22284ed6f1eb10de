import { z } from 'zod';

// The shape of an invoice's audit (GET /v1/invoices/{id}/audit and
// `accrue audit invoice <id> --json`): one schema for the OpenAPI document and the type.

const timestamp = z.string().meta({ description: 'ISO 8601 instant (when accrue stored or did it)' });
const day = z.string().meta({ description: 'business date YYYY-MM-DD' });

export const AuditEvent = z.object({
  position: z.number().int(),
  eventId: z.string(),
  type: z.string(),
  kind: z.enum(['invoice', 'revenue', 'payment']),
  occurredAt: day,
  recordedAt: timestamp,
  actor: z.string(),
  actorName: z.string().nullable().meta({ description: 'the API key name when the actor is a key' }),
  source: z.string(),
  externalId: z.string().nullable(),
  correlationId: z.string(),
  causationId: z.string().nullable(),
  causationType: z.string().nullable(),
  data: z.unknown(),
});

export const AuditAttempt = z.object({
  subscriber: z.string(),
  queue: z.string(),
  outcome: z.enum(['failed', 'poison', 'applied', 'archived']),
  attempt: z.number().int().nullable().meta({ description: 'null for applied: the inbox does not record which attempt' }),
  jobId: z.string().nullable(),
  startedAt: timestamp.nullable(),
  finishedAt: timestamp.nullable(),
  error: z.string().nullable(),
  replayCount: z.number().int().nullable(),
});

export const AuditLedgerEntry = z.object({
  entryId: z.number().int(),
  kind: z.string(),
  currency: z.string(),
  entryDate: day,
  originDate: day,
  period: z.string(),
  lineId: z.string().nullable(),
  paymentId: z.string().nullable(),
  note: z.string().nullable(),
  recordedAt: timestamp,
  /** Signed amounts in minor units, debit positive; accounts the entry does not touch are left out. */
  lines: z.record(z.string(), z.number().int()),
});

export const AuditRevenueEvent = z.object({
  eventId: z.string(),
  type: z.string(),
  amount: z.number().int(),
  currency: z.string(),
  postedOn: day,
  entryId: z.number().int().nullable(),
  causationId: z.string().nullable(),
  correlationId: z.string(),
  actor: z.string(),
  recordedAt: timestamp,
  attempts: z.array(AuditAttempt),
});

export const AuditChainLink = z.object({
  event: AuditEvent,
  attempts: z.array(AuditAttempt),
  ledgerEntries: z.array(AuditLedgerEntry),
  revenueEvents: z.array(AuditRevenueEvent),
});

export const InvoiceAudit = z
  .object({
    invoiceId: z.string(),
    /** Every event of the invoice in store order (invoice, payment and revenue events). */
    events: z.array(AuditEvent),
    /** Each invoice/payment event with what it caused. */
    chain: z.array(AuditChainLink),
    /** Entries no event caused: recognition by the daily run or a period close (note names the run). */
    otherLedgerEntries: z.array(z.object({ entry: AuditLedgerEntry, revenueEvents: z.array(AuditRevenueEvent) })),
  })
  .meta({ id: 'InvoiceAudit' });

export type InvoiceAudit = z.infer<typeof InvoiceAudit>;
export type AuditEvent = z.infer<typeof AuditEvent>;
export type AuditAttempt = z.infer<typeof AuditAttempt>;
export type AuditLedgerEntry = z.infer<typeof AuditLedgerEntry>;
export type AuditRevenueEvent = z.infer<typeof AuditRevenueEvent>;
