import { z } from 'zod';
import { ValidationError } from '../errors.ts';

// A real calendar day: 2025-02-30 and 2025-13-01 are refused, not rolled over.
const Day = z.iso.date({ message: 'must be a day YYYY-MM-DD' });
const PositiveInt = z.coerce.number({ message: 'must be a whole number' }).int({ message: 'must be a whole number' }).min(1, { message: 'must be at least 1' });

/** One CLI value checked with its zod schema; a bad one is a ValidationError naming the option (`accrue: --today: ...`). */
export function parseArg<S extends z.ZodType>(schema: S, option: string, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const message = parsed.error.issues[0]?.message ?? 'invalid';
  throw new ValidationError(`${option}: ${message}, got '${String(value)}'`, [{ field: option, message }]);
}

/** An optional day option (--today, --as-of): undefined when not given. */
export function dayArg(option: string, value: string | undefined): string | undefined {
  return value === undefined ? undefined : parseArg(Day, option, value);
}

export function positiveIntArg(option: string, value: string): number {
  return parseArg(PositiveInt, option, value);
}
