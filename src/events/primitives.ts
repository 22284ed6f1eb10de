import { z } from 'zod';
import { isCurrencyCode } from '../values/currencies.ts';
import { isIsoDay, isIsoMonth } from '../values/dates.ts';

/**
 * Text stored verbatim: any unicode (emoji, RTL marks, SQL-looking strings) is kept
 * as given, but NUL and lone surrogates are refused, since Postgres jsonb cannot
 * store them and a client sending them has a bug.
 */
export const safeText = (max = 500) =>
  z
    .string()
    .max(max)
    .refine((s) => !s.includes('\u0000'), { message: 'must not contain NUL (\\u0000)' })
    .refine((s) => s.isWellFormed(), { message: 'must be well-formed unicode (no lone surrogates)' });

export const identifier = safeText(128).pipe(z.string().min(1));

export const isoDay = z
  .string()
  .refine(isIsoDay, { message: 'must be a calendar day YYYY-MM-DD' })
  .meta({ format: 'date' });

export const isoMonth = z
  .string()
  .refine(isIsoMonth, { message: 'must be a month YYYY-MM' })
  .meta({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$' });

export const currencyCode = z
  .string()
  .refine(isCurrencyCode, { message: 'must be an upper-case ISO 4217 currency code' })
  .meta({ pattern: '^[A-Z]{3}$' });

/** Integer minor units (cents), safe in a JS number and in bigint. */
export const minorAmount = z
  .number()
  .int()
  .refine(Number.isSafeInteger, { message: 'must be a safe integer' })
  .meta({ description: 'integer minor units of the currency (cents for USD, yen for JPY)' });
export const nonNegativeAmount = minorAmount.refine((n) => n >= 0, { message: 'must not be negative' });

export const servicePeriod = z
  .object({ start: isoDay, end: isoDay })
  .strict()
  .refine((p) => p.end > p.start, { message: 'end must be after start (end is exclusive)', path: ['end'] });
