import { addDays, firstDayOfMonth, monthOf, nextMonth } from '../../values/dates.ts';
import { cumulative, type NetLine } from './recognition.ts';

/**
 * A line's recognition by month under the cumulative-floor rule: month M gets
 * C(first of M+1) - C(first of M); service before the issue month is caught up in
 * the issue month; a point-in-time line is all in the issue month.
 */
export function lineSchedule(line: NetLine, issuedOn: string): Record<string, number> {
  const issueMonth = monthOf(issuedOn);
  if (!line.servicePeriod) return { [issueMonth]: line.amount };
  const out: Record<string, number> = {};
  const last = monthOf(addDays(line.servicePeriod.end, -1));
  for (let m = monthOf(line.servicePeriod.start); m <= last; m = nextMonth(m)) {
    const amount = cumulative(line, firstDayOfMonth(nextMonth(m))) - cumulative(line, firstDayOfMonth(m));
    const into = m < issueMonth ? issueMonth : m;
    out[into] = (out[into] ?? 0) + amount;
  }
  return out;
}
