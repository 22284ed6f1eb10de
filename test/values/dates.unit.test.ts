import { describe, expect, it } from 'vitest';
import { addDays, dayFromNumber, dayNumber, daysBetween, isIsoDay, nextMonth } from '../../src/values/dates.ts';

// The Date-based definitions the integer arithmetic replaced (the posting calls these
// several times per line and event): every answer must stay the same.
const DAY_MS = 86_400_000;
const dayNumberByDate = (day: string) => Math.round(Date.parse(`${day}T00:00:00Z`) / DAY_MS);
const dayFromNumberByDate = (n: number) => new Date(n * DAY_MS).toISOString().slice(0, 10);
const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
function isIsoDayByRegex(value: string): boolean {
  const m = ISO_DAY.exec(value);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year === 0 || month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  return day <= days;
}
const nextMonthBySplit = (month: string) => {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
};
const pad = (n: number, width: number) => String(n).padStart(width, '0');
const same = (a: unknown, b: unknown) => Object.is(a, b);

describe('day arithmetic without Date (same answers as the Date-based definitions)', () => {
  // Every day string of the years around the leap-rule edges, and the month ends of every year.
  const years = [[0, 30], [390, 410], [1590, 1610], [1890, 2110], [2390, 2410], [9970, 9999]].flatMap(([a, b]) => Array.from({ length: b! - a! + 1 }, (_, i) => a! + i));
  const edgeDays = [0, 1, 27, 28, 29, 30, 31, 32];

  it('dayNumber, isIsoDay and dayFromNumber agree over years 0000-9999 (months 00-13, days 00-32 in the edge years)', () => {
    const mismatches: string[] = [];
    const inEdgeYears = new Set(years);
    for (let y = 0; y <= 9999; y++) {
      const all = inEdgeYears.has(y);
      for (let m = 0; m <= 13; m++) {
        for (let d = 0; d <= 32; d++) {
          if (!all && !edgeDays.includes(d)) continue;
          const day = `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
          if (!same(dayNumber(day), dayNumberByDate(day))) mismatches.push(`dayNumber ${day}`);
          if (isIsoDay(day) !== isIsoDayByRegex(day)) mismatches.push(`isIsoDay ${day}`);
        }
      }
    }
    const check = (n: number) => dayFromNumber(n) !== dayFromNumberByDate(n) && mismatches.push(`dayFromNumber ${n}`);
    for (let n = dayNumber('0000-01-01') - 3; n <= dayNumber('9999-12-31') + 3; n += 5) check(n);
    for (const y of years) for (let n = dayNumber(`${pad(y, 4)}-01-01`) - 1; n <= dayNumber(`${pad(y, 4)}-12-31`) + 1; n++) check(n);
    expect(mismatches.slice(0, 10)).toEqual([]);
  });

  it('agrees on malformed input too (NaN, roll-over, non-digits, other shapes)', () => {
    const odd = ['', '2024-1-01', '2024-01-1', '+02024-01-01', '-000001-01-01', '2024-01-01 ', ' 2024-01-01', '2024/01/01', '2024-01-01T00', 'abcd-ef-gh',
      '202a-01-01', '2024-0a-01', '2024-01-0a', '２０２４-01-01', '2024-02-30', '2023-02-29', '0000-02-29', '2024-04-31', '9999-12-32', '١٢٣٤-01-01'];
    for (const s of odd) {
      expect(same(dayNumber(s), dayNumberByDate(s)), s).toBe(true);
      expect(isIsoDay(s), s).toBe(isIsoDayByRegex(s));
    }
    for (const n of [Number.NaN, 0.5, -0.5, 1e9, -1e9, 1e12]) {
      let mine: unknown;
      let theirs: unknown;
      try { mine = dayFromNumber(n); } catch (e) { mine = (e as Error).name; }
      try { theirs = dayFromNumberByDate(n); } catch (e) { theirs = (e as Error).name; }
      expect(mine, String(n)).toEqual(theirs);
    }
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2023-12-31', 1)).toBe('2024-01-01');
    expect(daysBetween('2024-01-01', '2025-01-01')).toBe(366);
  });

  it('nextMonth agrees for every month 0000-00 to 9999-13 and odd shapes', () => {
    const mismatches: string[] = [];
    for (let y = 0; y <= 9999; y++) {
      for (let m = 0; m <= 13; m++) {
        const month = `${pad(y, 4)}-${pad(m, 2)}`;
        if (nextMonth(month) !== nextMonthBySplit(month)) mismatches.push(month);
      }
    }
    for (const s of ['', '2024-1', '24-01', '2024-01-01', '202a-01', '2024-0b', '-2024-01']) if (nextMonth(s) !== nextMonthBySplit(s)) mismatches.push(s);
    expect(mismatches).toEqual([]);
  });
});
