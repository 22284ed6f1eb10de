import { sql } from 'kysely';
import type { Executor } from '../../db/connect.ts';
import type { ProjectionTable } from '../contract/subscriber.ts';

/** The typed copy of a projection table that holds its latest snapshot (migration 140). */
export function copyOf(table: ProjectionTable): string {
  return `${table}_snapshot`;
}

export type CopyShape = { table: ProjectionTable; matches: boolean; key: string[] };

/**
 * For each table: whether its copy exists with the same columns (names and types, in
 * order: rows move between them as `SELECT *` and compare as records), and its primary
 * key's columns, from the catalog. A copy that does not match (a migration changed the
 * table and not its copy) is never restored.
 */
export async function copyShapes(db: Executor, tables: readonly ProjectionTable[]): Promise<CopyShape[]> {
  const { rows } = await sql<{ table: ProjectionTable; matches: boolean; key: string[] | null }>`
    WITH t AS (SELECT name, to_regclass(name) AS rel, to_regclass(name || '_snapshot') AS copy FROM unnest(${[...tables]}::text[]) AS name),
    cols AS (
      SELECT a.attrelid, array_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) ORDER BY a.attnum) AS cols
      FROM pg_attribute a WHERE a.attrelid IN (SELECT rel FROM t UNION SELECT copy FROM t) AND a.attnum > 0 AND NOT a.attisdropped
      GROUP BY a.attrelid
    )
    SELECT t.name AS table,
           t.copy IS NOT NULL AND (SELECT cols FROM cols WHERE attrelid = t.rel) = (SELECT cols FROM cols WHERE attrelid = t.copy) AS matches,
           (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM pg_index i
              CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k (attnum, ord)
              JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
            WHERE i.indrelid = t.rel AND i.indisprimary) AS key
    FROM t`.execute(db);
  // Without a primary key rows cannot be matched one to one: such a copy is not used.
  return rows.map((r) => ({ table: r.table, matches: r.matches === true && (r.key?.length ?? 0) > 0, key: r.key ?? [] }));
}

/** Replaces the copy's rows with the table's; returns how many. */
export async function copyTable(db: Executor, table: ProjectionTable): Promise<number> {
  await sql`DELETE FROM ${sql.table(copyOf(table))}`.execute(db);
  const copied = await sql`INSERT INTO ${sql.table(copyOf(table))} SELECT * FROM ${sql.table(table)}`.execute(db);
  return Number(copied.numAffectedRows ?? 0);
}

/**
 * Makes the table hold exactly the copy's rows, writing only the rows that differ: it
 * deletes every row with no identical row (all columns, NULLs equal) under its key in
 * the copy, then inserts every copy row whose key is then missing. Each is one hash
 * anti-join over both tables; a projection a few thousand events past its snapshot
 * changes a few thousand rows, not the whole table.
 */
export async function restoreTable(db: Executor, shape: CopyShape): Promise<{ deleted: number; inserted: number }> {
  const t = sql.table(shape.table);
  const c = sql.table(copyOf(shape.table));
  const sameKey = (a: string, b: string) => sql.join(shape.key.map((k) => sql`${sql.ref(`${a}.${k}`)} = ${sql.ref(`${b}.${k}`)}`), sql` AND `);
  const deleted = await sql`
    DELETE FROM ${t} AS t WHERE NOT EXISTS (
      SELECT 1 FROM ${c} AS c WHERE ${sameKey('c', 't')} AND (c.*) IS NOT DISTINCT FROM (t.*))`.execute(db);
  const inserted = await sql`
    INSERT INTO ${t} SELECT * FROM ${c} AS c WHERE NOT EXISTS (SELECT 1 FROM ${t} AS t WHERE ${sameKey('t', 'c')})`.execute(db);
  return { deleted: Number(deleted.numAffectedRows ?? 0), inserted: Number(inserted.numAffectedRows ?? 0) };
}
