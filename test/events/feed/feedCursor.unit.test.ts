import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.ts';
import { compareCursors, FEED_START, formatCursor, laterCursor, parseCursor } from '../../../src/events/feed/feedCursor.ts';

describe('feed cursor', () => {
  it('round-trips through its text form, beyond 2^53', () => {
    const c = { tx: 18446744073709551615n, position: 9007199254740993n };
    expect(parseCursor(formatCursor(c))).toEqual(c);
    expect(formatCursor(FEED_START)).toBe('0-0');
  });

  it('orders by transaction first, then position', () => {
    expect(compareCursors({ tx: 5n, position: 900n }, { tx: 6n, position: 1n })).toBe(-1);
    expect(compareCursors({ tx: 6n, position: 2n }, { tx: 6n, position: 1n })).toBe(1);
    expect(laterCursor({ tx: 6n, position: 1n }, { tx: 5n, position: 900n })).toEqual({ tx: 6n, position: 1n });
  });

  it('refuses anything else, naming the field', () => {
    for (const bad of ['', '42', '1-', '-1-2', '1-2-3', 'a-b', '1 -2', '18446744073709551616-1', '1-9223372036854775808']) {
      const err = (() => { try { parseCursor(bad, 'Last-Event-ID'); } catch (e) { return e; } })();
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).issues[0]!.field).toBe('Last-Event-ID');
    }
  });
});
