// Dates are UTC calendar days written 'YYYY-MM-DD'. All arithmetic is on day numbers.
const DAY_MS = 86_400_000;

// Year 0000 parses in JS but not in Postgres ('date/time field value out of range'), so
// it is refused here rather than answered with a database error. Checked with integer
// arithmetic on the characters: it runs on every date of every request body and of every
// event a worker reads (Date + toISOString was ~1% of the API's CPU under the HTTP bench;
// a regex match array per date was 2 % of the worker's allocations).
export function isIsoDay(value: string): boolean {
  if (value.length !== 10 || value.charCodeAt(4) !== DASH || value.charCodeAt(7) !== DASH) return false;
  const year = digits(value, 0, 4);
  const month = digits(value, 5, 2);
  const day = digits(value, 8, 2);
  if (year <= 0 || month < 1 || month > 12 || day < 1) return false;
  return day <= daysInMonth(year, month);
}

const DASH = 45;
const ZERO = 48;

/** The number the `count` ASCII digits at `from` spell; -1 if any is not a digit. */
function digits(s: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const d = s.charCodeAt(i) - ZERO;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Days since 1970-01-01 of the proleptic Gregorian day (y, m, d), d counted on past the
 * month's end as Date.parse does (H. Hinnant's days_from_civil).
 */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

// dayFromNumber's integer path covers the days Date writes as 'YYYY-MM-DD'.
const FIRST_DAY = daysFromCivil(0, 1, 1);
const LAST_DAY = daysFromCivil(9999, 12, 31);
const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));

/** Days since 1970-01-01 of a 'YYYY-MM-DD' day. */
export function dayNumber(day: string): number {
  // The posting computes several per line and event (recognition.ts): integer arithmetic
  // on the characters, no string or Date made. Anything but 'YYYY-MM-DD' with month
  // 01-12 and day 01-31 takes Date.parse's answer (NaN, or its roll-over past a month's end).
  if (day.length === 10 && day.charCodeAt(4) === DASH && day.charCodeAt(7) === DASH) {
    const year = digits(day, 0, 4);
    const month = digits(day, 5, 2);
    const d = digits(day, 8, 2);
    if (year >= 0 && month >= 1 && month <= 12 && d >= 1 && d <= 31) return daysFromCivil(year, month, d);
  }
  return Math.round(Date.parse(`${day}T00:00:00Z`) / DAY_MS);
}

export function dayFromNumber(n: number): string {
  if (!Number.isInteger(n) || n < FIRST_DAY || n > LAST_DAY) return new Date(n * DAY_MS).toISOString().slice(0, 10);
  // H. Hinnant's civil_from_days.
  const z = n + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return `${year < 1000 ? String(year).padStart(4, '0') : year}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}`;
}

export function daysBetween(from: string, to: string): number {
  return dayNumber(to) - dayNumber(from);
}

export function addDays(day: string, n: number): string {
  return dayFromNumber(dayNumber(day) + n);
}

export function todayUtc(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/** 'YYYY-MM' of a day. */
export function monthOf(day: string): string {
  return day.slice(0, 7);
}

export function firstDayOfMonth(month: string): string {
  return `${month}-01`;
}

export function previousMonth(month: string): string {
  return monthOf(addDays(firstDayOfMonth(month), -1));
}

export function nextMonth(month: string): string {
  // The posting steps through months with it: 'YYYY-MM' is read in place, anything else as before.
  const plain = month.length === 7 && month.charCodeAt(4) === DASH && digits(month, 0, 4) >= 0 && digits(month, 5, 2) >= 0;
  const [y, m] = (plain ? [digits(month, 0, 4), digits(month, 5, 2)] : month.split('-').map(Number)) as [number, number];
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

export function isIsoMonth(value: string): boolean {
  return /^\d{4}-(0[1-9]|1[0-2])$/.test(value) && !value.startsWith('0000');
}
