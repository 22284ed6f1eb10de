import { z } from 'zod';
import { ValidationError } from '../errors.ts';
import { isIsoDay } from '../values/dates.ts';

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 } as const;
const DURATION = /^(\d{1,6})([mhdw])$/;
// A datetime must say its offset: "2027-01-01T00:00" on a laptop in Tokyo and on a UTC
// server would be two different instants.
const dateTime = z.iso.datetime({ offset: true });
// Later than this, Date and timestamptz stop agreeing; no key needs to outlive it.
const LATEST = Date.parse('9999-12-31T00:00:00Z');

export type ExpiryInput = { expiresIn?: string | undefined; expiresAt?: string | undefined };

/**
 * When a new key stops working, from what the caller gave (CLI flags or the POST body),
 * or null for never. `expiresIn`: a count and a unit, "90m", "12h", "30d", "8w".
 * `expiresAt`: an ISO 8601 datetime with offset, or a bare day "2027-01-01" meaning
 * 00:00 UTC that day (the key works up to the start of it). Both, neither valid, or a
 * moment not in the future: ValidationError naming the field.
 */
export function resolveExpiry(input: ExpiryInput, now: Date): Date | null {
  if (input.expiresIn !== undefined && input.expiresAt !== undefined) {
    throw new ValidationError('give expiresIn or expiresAt, not both', [{ field: 'expiresAt', message: 'not together with expiresIn' }]);
  }
  if (input.expiresIn !== undefined) {
    const m = DURATION.exec(input.expiresIn.trim());
    const amount = m ? Number(m[1]) : 0;
    if (!m || amount === 0) {
      throw invalid('expiresIn', `'${input.expiresIn}' is not a duration like 90m, 12h, 30d or 8w`);
    }
    return checked('expiresIn', new Date(now.getTime() + amount * UNIT_MS[m[2] as keyof typeof UNIT_MS]), now);
  }
  if (input.expiresAt !== undefined) {
    const text = input.expiresAt.trim();
    let at: Date;
    if (isIsoDay(text)) at = new Date(`${text}T00:00:00Z`);
    else if (dateTime.safeParse(text).success) at = new Date(text);
    else throw invalid('expiresAt', `'${input.expiresAt}' is not a day YYYY-MM-DD or an ISO 8601 datetime with offset (e.g. 2027-01-01T00:00:00Z)`);
    return checked('expiresAt', at, now);
  }
  return null;
}

function checked(field: string, at: Date, now: Date): Date {
  if (Number.isNaN(at.getTime()) || at.getTime() > LATEST) throw invalid(field, 'must be before 9999-12-31');
  if (at.getTime() <= now.getTime()) throw invalid(field, `must be in the future (it is ${at.toISOString()}, now is ${now.toISOString()})`);
  return at;
}

function invalid(field: string, message: string): ValidationError {
  return new ValidationError(`${field} ${message}`, [{ field, message }]);
}
