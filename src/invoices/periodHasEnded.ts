import { monthOf, todayUtc } from '../values/dates.ts';

/**
 * Only a month that has ended can be closed: closing locks it for good and posts all
 * of its recognition, so the current month (still being earned) and later ones are
 * refused. One rule for every path that closes: the API route, an import, and the
 * revenue code that applies a close however it was delivered. `now` is the caller's
 * injected clock; months are UTC.
 */
export function periodHasEnded(period: string, now: Date): boolean {
  return period < currentMonth(now);
}

/** 'YYYY-MM' of `now` in UTC: the first month that cannot be closed yet. */
export function currentMonth(now: Date): string {
  return monthOf(todayUtc(now));
}

/** The sentence every refusal uses, so an operator reads the same reason everywhere. */
export function periodNotEndedMessage(period: string, now: Date): string {
  return `period ${period} has not ended yet: only months before ${currentMonth(now)} can be closed`;
}
