import { RefuseEvent } from '../../bus/contract/refuseEvent.ts';
import type { Executor } from '../../db/connect.ts';
import { firstDayOfMonth, nextMonth } from '../../values/dates.ts';
import { holdPeriodsExclusive, lockedThrough, recordPeriodLock } from './ledger/periodLocks.ts';
import { periodHasEnded, periodNotEndedMessage } from '../../invoices/periodHasEnded.ts';
import { recognizeThrough, type RecognitionRun } from './runDailyRecognition.ts';
import { recordClosedMonthTotals } from './ledger/closedMonthTotals.ts';

export type PeriodCloseResult = { period: string; alreadyClosed: boolean; recognition: RecognitionRun | null };

/**
 * Closes a month: posts all recognition due through its last day, then locks it and
 * every earlier month (the database refuses entries dated in them from then on).
 * Holding the period lock exclusively waits for postings in flight. Closing a month
 * already closed changes nothing.
 *
 * A month that has not ended by `now` is refused (RefuseEvent: straight to the
 * failed-job archive, nothing locked), whatever delivered the PeriodClosed: the API
 * and the import check it too, but the event store may hold one written before they
 * did, or by other code, and locking an unfinished month cannot be undone.
 */
export async function applyPeriodClose(db: Executor, period: string, eventId: string | null, now: Date): Promise<PeriodCloseResult> {
  if (!periodHasEnded(period, now)) throw new RefuseEvent(`PeriodClosed refused: ${periodNotEndedMessage(period, now)}`);
  await holdPeriodsExclusive(db);
  const locked = await lockedThrough(db);
  if (locked !== null && locked >= period) return { period, alreadyClosed: true, recognition: null };
  const recognition = await recognizeThrough(db, firstDayOfMonth(nextMonth(period)), `period-close:${period}`);
  await recordPeriodLock(db, period, eventId);
  await recordClosedMonthTotals(db, locked, period);
  return { period, alreadyClosed: false, recognition };
}
