import { UnprocessableError, type FieldIssue } from '../errors.ts';
import { addDays, todayUtc } from './dates.ts';

/**
 * The latest business date the books hold today: tomorrow (UTC). Reports read the
 * books up to it by default, so an invoice's amountDue and the open AR agree even
 * while a payment dated tomorrow is posted.
 *
 * The books never post ahead of the clock (FORMAT.json conventions.conflicts): an
 * event may be dated at most one day after today (UTC), the slack a billing system a
 * time zone ahead needs; later is refused (422), before anything is written. Pure:
 * `now` is the caller's injected clock.
 */
export function latestEventDay(now: Date): string {
  return addDays(todayUtc(now), 1);
}

export function aheadOfClockIssue(day: string, field: string, now: Date): FieldIssue | null {
  const latest = latestEventDay(now);
  if (day <= latest) return null;
  return { field, message: `${day} is more than one day after today (${todayUtc(now)} UTC): the books never post ahead of the clock; send it on or after ${addDays(day, -1)}` };
}

export function refuseAheadOfClock(issues: readonly (FieldIssue | null)[]): void {
  const found = issues.filter((i): i is FieldIssue => i !== null);
  if (found.length > 0) throw new UnprocessableError('event dated ahead of the clock', found);
}
