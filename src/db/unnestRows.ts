import { sql, type RawBuilder } from 'kysely';
import { InvariantError } from '../errors.ts';

/** A column of unnestRows: its name in the rows and in the query, and its Postgres type (a scalar type). */
export type UnnestColumn<R> = readonly [name: keyof R & string, pgType: string];

/** unnestArrays' answer: each column's values as one array literal (text), by column name. */
export type UnnestArrays<R> = Record<keyof R & string, string>;

/**
 * Rows as a set-returning FROM item: one typed array parameter per column, unnested in
 * step (`unnest(a, b, …) WITH ORDINALITY AS alias (a, b, …, ordinality)`, ordinality
 * 1-based in the order given). For a statement's large sets of scalar rows: the server
 * reads each value once with its type's input function, where one jsonb parameter is
 * first parsed into a document whose fields jsonb_to_recordset then prints back to text
 * and reads again (a 500-event posting's 359 entries: 1.8 ms of backend CPU against
 * 4.5 ms, docs/performance.md). `arrays` comes from unnestArrays (or is a prepared
 * statement's slots for it, db/preparedStatements.ts).
 */
export function unnestRows<R>(arrays: UnnestArrays<R>, columns: readonly UnnestColumn<R>[], alias: string): RawBuilder<unknown> {
  const params = columns.map(([name, pgType]) => sql`${arrays[name]}::${sql.raw(pgType)}[]`);
  const names = columns.map(([name]) => sql.ref(name));
  return sql`unnest(${sql.join(params)}) WITH ORDINALITY AS ${sql.ref(alias)} (${sql.join(names)}, ordinality)`;
}

/**
 * The parameters of unnestRows: each column's values (null or undefined: NULL) as the
 * literal text of a Postgres array (arrayLiteral; pg's own array serializer cost the
 * worker more than the server saved).
 */
export function unnestArrays<R>(rows: readonly R[], columns: readonly UnnestColumn<R>[]): UnnestArrays<R> {
  const out = {} as UnnestArrays<R>;
  for (const [name] of columns) out[name] = arrayLiteral(rows.map((r) => r[name]));
  return out;
}

const NEEDS_ESCAPE = /[\\"]/g;
/** A string Postgres reads unquoted as itself: no blank, brace, comma, quote or backslash (and not the word NULL). */
const PLAIN = /^[\w.:+-]+$/;

/**
 * A one-dimensional Postgres array literal of strings, numbers and booleans. A string
 * is double-quoted (so NULL, braces, commas and blanks in it are data), with `\` and
 * `"` backslash-escaped, unless it is made of letters, digits and `_.:+-` only and is
 * not NULL in any case: ids, dates and kinds go as they are; a number is written as
 * JavaScript prints it (what the column's type cannot read, e.g. 1.5 for bigint, is
 * refused by the server). Also the text of the batch statements' array parameters (the
 * inbox claim's event ids, the event read's positions: pg's serialiser wrote several
 * strings per element).
 *
 * One join, no string per element where none is needed: a 500-event posting writes ~12,000
 * elements, and appending each (a quoted copy and two rope nodes, flattened again when pg
 * sends it) was ~2.3 KB of garbage per event, much of it alive at a scavenge (docs/performance.md).
 */
export function arrayLiteral(values: readonly unknown[]): string {
  const n = values.length;
  if (n === 0) return '{}';
  const items = new Array<string>(n);
  for (let i = 0; i < n; i++) items[i] = arrayElement(values[i]);
  items[0] = `{${items[0]}`;
  items[n - 1] = `${items[n - 1]}}`;
  return items.join(',');
}

function arrayElement(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'string') {
    if (PLAIN.test(v) && !(v.length === 4 && v.toLowerCase() === 'null')) return v;
    return `"${v.includes('"') || v.includes('\\') ? v.replace(NEEDS_ESCAPE, '\\$&') : v}"`;
  }
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new InvariantError(`array literal: ${v} is not a finite number`);
    return String(v);
  }
  if (typeof v === 'boolean') return v ? 't' : 'f';
  throw new InvariantError(`array literal: a value of type ${typeof v}`);
}
