import type { Subscriber } from '../../bus/contract/subscriber.ts';
import type { StoredEvent } from '../../events/envelope.ts';
import { INVOICE_EVENT_TYPES } from '../../events/eventTypes.ts';
import { applyInvoiceBatch, invoiceBatchLocks, invoiceBatchLocksSql } from './applyInvoiceBatch.ts';
import { applyInvoiceEvent } from './applyInvoiceEvent.ts';
import { applyPeriodClose } from './applyPeriodClose.ts';
import { revenueSchedules, type RevenueSchedule } from './revenueSchedules.ts';

/**
 * The revenue subscriber: invoice events post to the ledger, PeriodClosed closes a
 * month (only one that has ended by ctx.now, the worker's injectable clock).
 * Everything happens in the worker's transaction (with its inbox record).
 * `schedules` carries the daily recognition run in the shape of the bus's
 * ScheduledTask, for the worker to register on pg-boss.
 */
export const revenueSubscriber: Subscriber & { schedules: readonly RevenueSchedule[] } = {
  name: 'revenue',
  eventTypes: [...INVOICE_EVENT_TYPES, 'PeriodClosed'],
  schedules: revenueSchedules,
  // Writes only the ledger tables and its own events through ctx.db: a relay may apply it.
  appliesInRelay: true,
  async handle(event, ctx) {
    if (event.type === 'PeriodClosed') {
      const { period } = (event as StoredEvent<'PeriodClosed'>).data;
      const result = await applyPeriodClose(ctx.db, period, event.eventId, ctx.now);
      ctx.log.info({ period, alreadyClosed: result.alreadyClosed, recognised: result.recognition?.entries ?? 0 }, 'period closed');
      return;
    }
    const result = await applyInvoiceEvent(ctx.db, event, ctx.now);
    ctx.log.debug({ invoiceId: event.aggregateId, type: event.type, entries: result.entries }, 'revenue posted');
  },
  // Every invoice lock of the batch (a superset of each run's), taken with the inbox claim.
  batchLocks: (events) => invoiceBatchLocks(events.filter((e) => e.type !== 'PeriodClosed')),
  batchLocksSql: invoiceBatchLocksSql,
  // Invoice events between PeriodClosed events post together (applyInvoiceBatch); a
  // PeriodClosed moves the clock, so it runs alone, in its place (rare: once a month).
  async handleBatch(events, ctx) {
    let run: StoredEvent[] = [];
    const flush = async (last: boolean) => {
      if (run.length === 0) return;
      // Only the batch's last statement may go with the commit: a PeriodClosed after a run reads what it wrote.
      const results = await applyInvoiceBatch(ctx.db, run, ctx.now, { locked: ctx.batchLocked, ...(last && ctx.deferWrite ? { deferWrite: ctx.deferWrite } : {}), ...(ctx.readPlannedOnce ? { readPlannedOnce: ctx.readPlannedOnce } : {}) });
      // A line per event at debug level: its fields are built only when debug is on (500 objects a batch otherwise).
      if (ctx.log.isLevelEnabled('debug')) run.forEach((event, i) => ctx.log.debug({ invoiceId: event.aggregateId, type: event.type, entries: results[i]!.entries }, 'revenue posted'));
      run = [];
    };
    for (const event of events) {
      if (event.type !== 'PeriodClosed') {
        run.push(event);
        continue;
      }
      await flush(false);
      await revenueSubscriber.handle(event, ctx);
    }
    await flush(true);
  },
};
