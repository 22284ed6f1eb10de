import { firstDayOfMonth, monthOf, previousMonth, todayUtc } from '../values/dates.ts';

/**
 * Where the hot reads of `events` by position (the relay's claim, a worker's bundle)
 * expect their events: recorded since the first day of the previous UTC month. With
 * that bound written into the statement, Postgres prunes `events` to the partitions
 * from there on when it plans it (two months and those made ahead), so the cost of the
 * read does not grow with the months of history; without it, every partition is planned
 * and the cost grows by ~0.02 ms per partition per statement (docs/scaling.md). An event
 * older than the bound (a month-long outage, a bundle retried for weeks) is read by a
 * second statement over all partitions.
 */
export function recentEventsFrom(now: Date): string {
  return firstDayOfMonth(previousMonth(monthOf(todayUtc(now))));
}
