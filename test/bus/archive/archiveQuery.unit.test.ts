import { describe, expect, it } from 'vitest';
import { parseArchiveQuery } from '../../../src/bus/archive/archiveFilter.ts';
import { ValidationError } from '../../../src/errors.ts';

describe('parseArchiveQuery (query string / CLI flags -> archive filter)', () => {
  it('reads ids, limit, times and includeReplayed from strings', () => {
    const f = parseArchiveQuery({
      subscriber: 'revenue',
      ids: '12, 01939C6E-0000-7000-8000-000000000001,',
      limit: '50',
      since: '2026-11-01',
      includeReplayed: 'true',
    });
    expect(f).toEqual({
      subscriber: 'revenue',
      ids: ['12', '01939C6E-0000-7000-8000-000000000001'],
      limit: 50,
      since: new Date('2026-11-01T00:00:00Z'),
      includeReplayed: true,
    });
  });

  it('names the field of a bad value', () => {
    const err = (() => {
      try {
        parseArchiveQuery({ ids: '12,not-an-id', limit: '0' });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).issues.map((i) => i.field).sort()).toEqual(['ids.1', 'limit']);
  });
});
