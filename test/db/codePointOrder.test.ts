import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arrayLiteral } from '../../src/db/unnestRows.ts';
import { byCodePoint } from '../../src/values/codePointOrder.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase.ts';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase({ poolMax: 1 });
});
afterAll(async () => {
  await t.drop();
});

// The worker sorts a batch's invoice ids with byCodePoint; the relay's claim locks them ORDER BY … COLLATE "C".
// Both must agree, or two batches could lock the same invoices in opposite orders.
const IDS = ['inv_b', 'inv_a', 'inv_', 'inv_aa', 'INV_a', 'inv_\uFF01', 'inv_\u{1F600}', 'inv_\uE000', 'inv_\u00E9', 'inv_\u07FF', 'inv_\u0800', 'inv_\u{10FFFF}', 'inv_z'];

describe('byCodePoint', () => {
  it('orders strings as Postgres COLLATE "C" does, where JS < does not', async () => {
    const { rows } = await sql<{ k: string }>`SELECT k FROM unnest(${arrayLiteral(IDS)}::text[]) AS ids (k) ORDER BY k COLLATE "C"`.execute(t.db);
    expect([...IDS].sort(byCodePoint)).toEqual(rows.map((r) => r.k));
    // JS's own string order differs for a character past U+FFFF against U+E000–U+FFFF.
    expect([...IDS].sort()).not.toEqual(rows.map((r) => r.k));
  });
});
