import { z } from 'zod';
import type { Executor } from '../../db/connect.ts';
import { ConflictError } from '../../errors.ts';
import { appendEvents, type EventContext, type NewEvent } from '../../events/appendEvents.ts';
import { parseEventData } from '../../events/envelope.ts';
import { INVOICE_EVENT_TYPES, type EventType } from '../../events/eventTypes.ts';
import { identifier, isoDay } from '../../events/primitives.ts';
import { DEFAULT_LIMITS } from '../../config.ts';
import { type Limits } from '../../values/limits.ts';
import { checkImportBounds } from './checkImportBounds.ts';
import { findApiOwnedInvoices } from './findApiOwnedInvoices.ts';
import { findChangedDuplicates } from './findChangedDuplicates.ts';
import { findInvoiceConflict } from './findInvoiceConflicts.ts';
import { aheadOfClockIssue, refuseAheadOfClock } from '../../values/aheadOfClock.ts';
import { importField } from './importRules.ts';
import { refuseUnendedCloses } from './importRules.ts';

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
 * refused because of an invoice's state. All in the caller's transaction: an array
 * is all-or-nothing. Refused, with nothing written:
 * - a PeriodClosed for a month that has not ended by `now` (400, data.period);
 * - an event for an invoice the API owns (409 naming the invoiceId): imported and
 *   API-owned invoices are separate books, and the API in turn only acts on its own
 *   rows (an imported-only id is 404 there);
 * - an eventId already imported with other content (409 naming the eventId);
 * - an event dated more than one day after today by `now` (422 naming occurredAt);
 * - a conflict within its invoice (409 naming both eventIds): a version already
 *   taken with other content, a paymentId already received with another amount, a
 *   second InvoiceCreated (findInvoiceConflict).
 * eventIds are one namespace for all imports (not per key: a rotated key re-sending
 * must still de-duplicate); (source 'import', externalId = eventId) is unique, so
 * the same eventId with the same content is acknowledged with the stored row.
 * Who may import what (PeriodClosed needs admin) is authorizeImport's, before this.
 */
export async function importEvents(tx: Executor, events: ImportedEvent[], ctx: EventContext, now: Date, limits: Limits = DEFAULT_LIMITS): Promise<ImportResult[]> {
  refuseUnendedCloses(events, now);
  const invoiceIds = events.flatMap((e) => (e.type === 'PeriodClosed' ? [] : [e.invoiceId!]));
  const owned = await findApiOwnedInvoices(tx, invoiceIds);
  const clash = events.findIndex((e) => e.invoiceId !== undefined && owned.has(e.invoiceId));
  if (clash >= 0) {
    const id = events[clash]!.invoiceId!;
    throw new ConflictError(
      `invoice ${id}${at(events, clash)} belongs to the API (created with POST /v1/invoices); imports cannot change it: use the /v1/invoices/${id} routes, or import under your own invoiceId`,
    );
  }
  await checkImportBounds(tx, events, limits);
  // After the year bounds (a 400), before anything is written.
  refuseAheadOfClock(events.map((e, i) => aheadOfClockIssue(e.occurredAt, importField(events, i, 'occurredAt'), now)));

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

  // Duplicates (already stored, or twice in this array) must say the same thing as the stored event.
  const changed = await findChangedDuplicates(
    tx,
    appended.flatMap((a, index) => {
      if (a.inserted) return [];
      const row = rows[index]!;
      return [{ index, storedEventId: a.event.eventId, type: row.type, occurredAt: row.occurredAt, aggregateId: row.aggregateId, aggregateVersion: row.aggregateVersion ?? null, data: parseEventData(row.type, row.data) }];
    }),
  );
  if (changed.length > 0) {
    const first = changed[0]!;
    throw new ConflictError(
      `eventId ${events[first]!.eventId}${at(events, first)} was already imported with different content (type, occurredAt, invoiceId, version or data): an eventId names one event for good; send a change as a new event with its own eventId`,
    );
  }
  const conflict = await findInvoiceConflict(tx, appended.flatMap((a, index) => (a.inserted ? [{ index, storedEventId: a.event.eventId }] : [])));
  if (conflict) {
    const e = events[conflict.index]!;
    throw new ConflictError(`${e.type} ${e.eventId}${at(events, conflict.index)} conflicts with invoice ${e.invoiceId}: ${conflict.detail}`);
  }
  return appended.map((a, i) => ({
    eventId: events[i]!.eventId,
    storedEventId: a.event.eventId,
    position: a.event.position,
    duplicate: !a.inserted,
  }));
}

/** ' (index i)' inside an array of several, '' for a single event. */
function at(events: readonly unknown[], index: number): string {
  return events.length > 1 ? ` (index ${index})` : '';
}
