import { z } from 'zod';
import type { Executor } from '../db/connect.ts';
import { appendEvents, type EventContext, type NewEvent } from '../events/appendEvents.ts';
import { INVOICE_EVENT_TYPES, type EventType } from '../events/eventTypes.ts';
import { identifier, isoDay } from '../events/primitives.ts';
import { DEFAULT_LIMITS, type Limits } from '../limits.ts';
import { checkImportBounds } from './checkImportBounds.ts';

/** Types an external billing system may send: the invoice events and PeriodClosed. Revenue* are ours only. */
export const IMPORTABLE_TYPES = [...INVOICE_EVENT_TYPES, 'PeriodClosed'] as unknown as [EventType, ...EventType[]];

/** The envelope of shared/scenarios/FORMAT.json `eventShape`. */
export const importedEvent = z
  .object({
    eventId: identifier,
    type: z.enum(IMPORTABLE_TYPES, { message: `must be one of ${IMPORTABLE_TYPES.join(', ')}` }),
    occurredAt: isoDay,
    invoiceId: identifier.optional(),
    version: z.number().int().min(1).max(2_147_483_647).optional(),
    data: z.record(z.string(), z.unknown()),
  })
  .strict()
  .superRefine((e, ctx) => {
    if (e.type === 'PeriodClosed') {
      if (e.invoiceId !== undefined) ctx.addIssue({ code: 'custom', path: ['invoiceId'], message: 'PeriodClosed has no invoiceId' });
    } else if (e.invoiceId === undefined) {
      ctx.addIssue({ code: 'custom', path: ['invoiceId'], message: `required for ${e.type}` });
    }
    if (e.type === 'InvoiceUpdated' && e.version === undefined) {
      ctx.addIssue({ code: 'custom', path: ['version'], message: 'required for InvoiceUpdated' });
    }
  });
export type ImportedEvent = z.infer<typeof importedEvent>;

// 1,000 events of ~1 KiB fill the 1 MiB body limit.
export const importBody = z.union([importedEvent, z.array(importedEvent).min(1).max(1000)]);

export type ImportResult = { eventId: string; storedEventId: string; position: number; duplicate: boolean };

/**
 * Stores imported events as facts: shape-checked (payload by its contract), never
 * refused because of an invoice's state. (source 'import', externalId = eventId)
 * is unique, so a repeated eventId is acknowledged with the stored row. All in the
 * caller's transaction: an array is all-or-nothing.
 */
export async function importEvents(tx: Executor, events: ImportedEvent[], ctx: EventContext, limits: Limits = DEFAULT_LIMITS): Promise<ImportResult[]> {
  await checkImportBounds(tx, events, limits);
  const rows: NewEvent[] = events.map((e) => ({
    type: e.type,
    aggregateId: e.type === 'PeriodClosed' ? String(e.data['period'] ?? '') : e.invoiceId!,
    aggregateVersion: e.version ?? (e.type === 'InvoiceCreated' ? 1 : null),
    occurredAt: e.occurredAt,
    data: e.data,
    source: 'import',
    externalId: e.eventId,
  }));
  const appended = await appendEvents(tx, rows, ctx);
  return appended.map((a, i) => ({
    eventId: events[i]!.eventId,
    storedEventId: a.event.eventId,
    position: a.event.position,
    duplicate: !a.inserted,
  }));
}
