import fc from 'fast-check';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { quoteLiteral } from '../../src/db/sessionStatements.ts';

describe('quoteLiteral (the relay\'s EXECUTE literals)', () => {
  it("writes exactly what pg's escapeLiteral writes", () => {
    for (const s of ['', "'", "''", '\\', "it's \\n a 'test'", '{"a":"b\\"c"}', '😀 \u0000x', ' E\'x\'']) expect(quoteLiteral(s)).toBe(pg.escapeLiteral(s));
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom("'", '\\', 'a', '"', ' ', 'é', '😀', '{', ',') }), (s) => quoteLiteral(s) === pg.escapeLiteral(s)));
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (s) => quoteLiteral(s) === pg.escapeLiteral(s)));
  });
});
