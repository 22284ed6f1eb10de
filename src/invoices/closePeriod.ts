import type { Executor } from '../db/connect.ts';
import { ConflictError } from '../errors.ts';
import { appendEvents, type EventContext } from '../events/appendEvents.ts';
import { todayUtc } from '../values/dates.ts';
import { periodHasEnded, periodNotEndedMessage } from './periodHasEnded.ts';

/**
 * Records PeriodClosed for a month (aggregate 'period', id = the month). The revenue
 * subscriber does the locking when it sees the event. Closing twice stores one
 * event: (source 'api', externalId 'PeriodClosed:YYYY-MM') is unique. Only a month
 * before the current one (409 otherwise): the current month is still being earned.
 */
export async function closePeriod(
  tx: Executor,
  period: string,
  ctx: EventContext,
  now: Date,
): Promise<{ period: string; eventId: string; position: number; alreadyClosed: boolean }> {
  const today = todayUtc(now);
  if (!periodHasEnded(period, now)) throw new ConflictError(periodNotEndedMessage(period, now));
  const [result] = await appendEvents(
    tx,
    [{ type: 'PeriodClosed', aggregateId: period, occurredAt: today, data: { period }, externalId: `PeriodClosed:${period}` }],
    ctx,
  );
  return { period, eventId: result!.event.eventId, position: result!.event.position, alreadyClosed: !result!.inserted };
}
