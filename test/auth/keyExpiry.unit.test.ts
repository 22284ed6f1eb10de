import { describe, expect, it } from 'vitest';
import { resolveExpiry } from '../../src/auth/keyExpiry.ts';
import { isUseWorthRecording } from '../../src/auth/recordKeyUse.ts';
import { ValidationError } from '../../src/errors.ts';

const now = new Date('2026-03-01T12:00:00Z');
const fieldOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err instanceof ValidationError ? err.issues.map((i) => i.field) : ['not a ValidationError'];
  }
  return [];
};

describe('resolveExpiry (create --expires-in / --expires-at, POST /v1/api-keys)', () => {
  it('reads durations, days (00:00 UTC) and datetimes with offset; nothing = never', () => {
    expect(resolveExpiry({}, now)).toBeNull();
    expect(resolveExpiry({ expiresIn: '90m' }, now)?.toISOString()).toBe('2026-03-01T13:30:00.000Z');
    expect(resolveExpiry({ expiresIn: '12h' }, now)?.toISOString()).toBe('2026-03-02T00:00:00.000Z');
    expect(resolveExpiry({ expiresIn: '30d' }, now)?.toISOString()).toBe('2026-03-31T12:00:00.000Z');
    expect(resolveExpiry({ expiresIn: '2w' }, now)?.toISOString()).toBe('2026-03-15T12:00:00.000Z');
    expect(resolveExpiry({ expiresAt: '2027-01-01' }, now)?.toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect(resolveExpiry({ expiresAt: '2026-03-01T16:00:00+02:00' }, now)?.toISOString()).toBe('2026-03-01T14:00:00.000Z');
  });

  it('refuses what it cannot read, the past, the present and both at once, naming the field', () => {
    expect(fieldOf(() => resolveExpiry({ expiresIn: '30' }, now))).toEqual(['expiresIn']);
    expect(fieldOf(() => resolveExpiry({ expiresIn: '0h' }, now))).toEqual(['expiresIn']);
    expect(fieldOf(() => resolveExpiry({ expiresIn: '1y' }, now))).toEqual(['expiresIn']);
    expect(fieldOf(() => resolveExpiry({ expiresIn: '9999999d' }, now))).toEqual(['expiresIn']);
    expect(fieldOf(() => resolveExpiry({ expiresIn: '999999w' }, now))).toEqual(['expiresIn']);
    expect(fieldOf(() => resolveExpiry({ expiresAt: '2026-02-30' }, now))).toEqual(['expiresAt']);
    expect(fieldOf(() => resolveExpiry({ expiresAt: '2027-01-01T00:00:00' }, now))).toEqual(['expiresAt']);
    expect(fieldOf(() => resolveExpiry({ expiresAt: '2026-03-01T12:00:00Z' }, now))).toEqual(['expiresAt']);
    expect(fieldOf(() => resolveExpiry({ expiresAt: '2026-03-01T14:00:00+02:00' }, now))).toEqual(['expiresAt']);
    expect(fieldOf(() => resolveExpiry({ expiresAt: '2026-03-01' }, now))).toEqual(['expiresAt']);
    expect(fieldOf(() => resolveExpiry({ expiresIn: '1d', expiresAt: '2027-01-01' }, now))).toEqual(['expiresAt']);
  });
});

describe('isUseWorthRecording', () => {
  it('writes the first use, then at most once a minute', () => {
    expect(isUseWorthRecording(null, now)).toBe(true);
    expect(isUseWorthRecording(new Date(now.getTime() - 59_999), now)).toBe(false);
    expect(isUseWorthRecording(new Date(now.getTime() - 60_000), now)).toBe(true);
  });
});
