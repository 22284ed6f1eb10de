import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arrayLiteral, unnestArrays, unnestRows, type UnnestColumn } from '../../src/db/unnestRows.ts';
import { InvariantError } from '../../src/errors.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase.ts';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase({ poolMax: 1 });
});
afterAll(async () => {
  await t.drop();
});

// Unquoted when plain (ids, dates, kinds): NULL in any case is not, nor is anything with a blank, brace, comma, quote or backslash.
const PLAIN = ['plain', 'Null', 'nUlL', 'NULLS', 'nul', '2026-01-31', '0190f5b8-7c3e-7b1a-9d2e-4f5a6b7c8d9e', 'a_b.c:d+e-f', '-', '+1', '1.5'];
const AWKWARD = [...PLAIN, '', 'NULL', 'null', ' padded ', 'a,b', '{x}', 'say "hi"', 'back\\slash', '\\"', 'tab\there', 'line\nbreak', 'ünïcødé ✓', '😀', '"', '\\'];

describe('arrayLiteral', () => {
  it('round-trips awkward strings, NULLs, numbers and booleans through Postgres arrays', async () => {
    const texts = [...AWKWARD, null];
    const { rows } = await sql<{ v: (string | null)[] }>`SELECT ${arrayLiteral(texts)}::text[] AS v`.execute(t.db);
    expect(rows[0]!.v).toEqual(texts);
    const numbers = [0, -1, 9007199254740991, -9007199254740991, null];
    const n = await sql<{ v: string[] }>`SELECT ${arrayLiteral(numbers)}::bigint[]::text[] AS v`.execute(t.db);
    expect(n.rows[0]!.v).toEqual(['0', '-1', '9007199254740991', '-9007199254740991', null]);
    const b = await sql<{ v: boolean[] }>`SELECT ${arrayLiteral([true, false, null])}::boolean[] AS v`.execute(t.db);
    expect(b.rows[0]!.v).toEqual([true, false, null]);
    expect(arrayLiteral([])).toBe('{}');
  });

  it('refuses what it cannot write exactly', () => {
    expect(() => arrayLiteral([Number.NaN])).toThrow(InvariantError);
    expect(() => arrayLiteral([Infinity])).toThrow(InvariantError);
    expect(() => arrayLiteral([{}])).toThrow(InvariantError);
  });
});

describe('unnestRows', () => {
  it('gives the rows back in order, typed, with a 1-based ordinality', async () => {
    type Row = { id: string; amount: number | null; on: string | null; ok: boolean };
    const columns: UnnestColumn<Row>[] = [['id', 'text'], ['amount', 'bigint'], ['on', 'date'], ['ok', 'boolean']];
    const input: Row[] = AWKWARD.map((id, i) => ({ id, amount: i % 3 === 0 ? null : i * 1000, on: i % 2 === 0 ? '2026-12-01' : null, ok: i % 2 === 1 }));
    const { rows } = await sql<{ id: string; amount: string | null; on: string | null; ok: boolean; ordinality: string }>`
      SELECT id, amount::text, "on"::text, ok, ordinality FROM ${unnestRows(unnestArrays(input, columns), columns, 'x')} ORDER BY ordinality`.execute(t.db);
    expect(rows.map((r) => ({ id: r.id, amount: r.amount === null ? null : Number(r.amount), on: r.on, ok: r.ok }))).toEqual(input);
    expect(rows.map((r) => Number(r.ordinality))).toEqual(input.map((_, i) => i + 1));
  });
});
