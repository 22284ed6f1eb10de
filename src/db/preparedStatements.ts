import type pg from 'pg';
import { CompiledQuery, type Compilable, type RawBuilder } from 'kysely';
import { InvariantError } from '../errors.ts';
import type { Executor } from './connect.ts';
import { LOST_PREPARED_STATEMENT } from './sessionStatements.ts';

type Path = readonly (string | number)[];
const SLOT = Symbol('parameter slot');
type Slot = { readonly [SLOT]: Path };

/** Statement text → its name: the texts sendNamedStatements() sends as prepared statements. */
const NAMES = new Map<string, string>();
/** The same for batch statements (executeNamed(), preparedStatement's `batch`), which only clients planning each call send named. */
const BATCH_NAMES = new Map<string, string>();


const isPlain = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);

/** Every leaf of `args` replaced by a slot naming its path; undefined stays (kysely leaves such a column out). */
function slotted(value: unknown, path: Path): unknown {
  if (Array.isArray(value)) return value.map((v, i) => slotted(v, [...path, i]));
  if (isPlain(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, slotted(v, [...path, k])]));
  return value === undefined ? undefined : ({ [SLOT]: path } satisfies Slot);
}

/** What the compiled text depends on: keys, array lengths and which leaves are undefined. */
function shapeOf(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(shapeOf).join(',')}]`;
  if (isPlain(value)) {
    let s = '{';
    for (const k in value) s += `${k}:${shapeOf(value[k])},`;
    return `${s}}`;
  }
  return value === undefined ? 'u' : '';
}

function valueAt(args: unknown, path: Path): unknown {
  let v = args;
  for (const p of path) v = (v as Record<string | number, unknown>)[p];
  return v;
}

/**
 * A query kysely builds and compiles once per shape of its arguments, then sent as a
 * named prepared statement (on pools made by connect(), see sendNamedStatements):
 * each call only lays its values out in the compiled order. Profiled under the HTTP
 * bench, building and compiling the invoice create's three-CTE insert was ~0.05 ms of
 * API CPU per request, and the server parsed and planned it again each time.
 *
 * `build` must take every value from `args` (a literal in the builder would be
 * compiled once and sent for ever: refused). Arrays and plain objects in `args` are
 * structure (rows, columns); everything else is a value. An executor with kysely
 * plugins gets the query built each call, as the plugins expect.
 *
 * `batch`: a statement whose arrays hold from one to hundreds of keys (a worker batch's)
 * is named only where its sessions plan each call for its values, as executeNamed()'s
 * texts are (connect's customPlans); elsewhere a generic plan, costed without the
 * arrays, could be chosen after five calls, so it goes unnamed there.
 */
export function preparedStatement<A extends object, R>(name: string, build: (db: Executor, args: A) => Compilable<R>, options: { batch?: boolean } = {}) {
  const names = options.batch ? BATCH_NAMES : NAMES;
  const compiled = new Map<string, { sql: string; paths: Path[] }>();
  return async (db: Executor, args: A): Promise<R[]> => {
    if (db.getExecutor().plugins.length > 0) return (await db.executeQuery(build(db, args).compile())).rows;
    const shape = shapeOf(args);
    let statement = compiled.get(shape);
    if (!statement) {
      const query = build(db, slotted(args, []) as A).compile();
      const paths = query.parameters.map((p) => {
        if (p === null || typeof p !== 'object' || !(SLOT in p)) throw new InvariantError(`prepared statement ${name}: a parameter not taken from its arguments`);
        return (p as Slot)[SLOT];
      });
      const statementName = `accrue_${name}_${compiled.size + 1}`;
      const taken = [...names].find(([, n]) => n === statementName);
      if (taken && taken[0] !== query.sql) throw new InvariantError(`prepared statement ${statementName} names two statements`);
      names.set(query.sql, statementName);
      statement = { sql: query.sql, paths };
      compiled.set(shape, statement);
    }
    const { sql, paths } = statement;
    return (await db.executeQuery<R>(CompiledQuery.raw(sql, paths.map((p) => valueAt(args, p))))).rows;
  };
}

/** How many texts one executeNamed() name may register (its variants); further texts go unnamed. */
const MAX_VARIANTS = 16;
const variantsOf = new Map<string, number>();

/**
 * Runs a statement built with kysely's `sql` template (its values already parameters,
 * its text the same from call to call but for a few variants: which CTEs a batch
 * needs) as a named prepared statement on pools made by connect(): the server parses
 * and plans it once per connection. For the statements every relay-applied batch
 * sends, where parse and plan were as long as the work for a batch of one event
 * (docs/performance.md, "Fifth step"). A text seen for the first time is registered
 * under `accrue_<name>_v<n>`; past MAX_VARIANTS texts for one name (a text that embeds
 * values would make one per call) the rest go unnamed. Only the clients of a pool made
 * with `customPlans` (the relay's and the worker's) send them named: their sessions plan
 * each call for its values (plan_cache_mode), where a generic plan for arrays of 1 to
 * 1,000 keys could scan a history table. Elsewhere they go unnamed, as any statement.
 */
export async function executeNamed<R>(db: Executor, name: string, query: RawBuilder<R>): Promise<R[]> {
  const compiled = query.compile(db);
  if (!BATCH_NAMES.has(compiled.sql)) {
    const n = (variantsOf.get(name) ?? 0) + 1;
    if (n <= MAX_VARIANTS) {
      variantsOf.set(name, n);
      BATCH_NAMES.set(compiled.sql, `accrue_${name}_v${n}`);
    }
  }
  return (await db.executeQuery<R>(compiled)).rows;
}

/**
 * Makes a pg client send the texts of preparedStatement() as named statements: parsed
 * and planned by the server once per connection (a reconnect parses again). Postgres
 * replans a prepared statement by itself after DDL on its tables (its plan cache
 * re-analyses the text), so a migration under a running API keeps working. If the
 * server lost the statement or its result columns changed (LOST_PREPARED_STATEMENT), this client
 * sends every text unnamed from then on, and the failed call, outside a transaction,
 * is sent again unnamed (it did not run); inside one the error stands, as the
 * transaction is aborted anyway.
 */
export function sendNamedStatements(client: pg.PoolClient | pg.Client, options: { batchStatements?: boolean } = {}): void {
  const query = client.query.bind(client) as (config: unknown, values?: unknown, callback?: unknown) => unknown;
  let unnamed = false;
  const nameOf = (text: string) => NAMES.get(text) ?? (options.batchStatements ? BATCH_NAMES.get(text) : undefined);
  (client as { query: unknown }).query = (config: unknown, values?: unknown, callback?: unknown) => {
    const name = !unnamed && typeof config === 'string' && Array.isArray(values) && callback === undefined ? nameOf(config) : undefined;
    if (!name) return query(config, values, callback);
    const outsideTransaction = client.getTransactionStatus() === 'I';
    return (query({ name, text: config }, values) as Promise<unknown>).catch((err: { code?: string }) => {
      if (!LOST_PREPARED_STATEMENT.has(err.code ?? '')) throw err;
      unnamed = true;
      if (!outsideTransaction) throw err;
      return query(config, values);
    });
  };
}
