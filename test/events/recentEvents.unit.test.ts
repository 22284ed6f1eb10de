import { describe, expect, it } from 'vitest';
import { recentEventsFrom } from '../../src/events/recentEvents.ts';

describe('recentEventsFrom', () => {
  it('is the first day of the previous UTC month', () => {
    expect(recentEventsFrom(new Date('2026-12-01T00:00:00Z'))).toBe('2026-11-01');
    expect(recentEventsFrom(new Date('2026-12-31T23:59:59Z'))).toBe('2026-11-01');
    expect(recentEventsFrom(new Date('2027-01-15T12:00:00Z'))).toBe('2026-12-01');
    expect(recentEventsFrom(new Date('2027-03-01T00:30:00+02:00'))).toBe('2027-01-01'); // still Feb 28 in UTC
  });
});
