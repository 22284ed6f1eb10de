import type pg from 'pg';
import { InvariantError } from '../errors.ts';

/** Statement text -> the name it is prepared under (PREPARE), the same on every session. */
const NAMES = new Map<string, string>();
/** How many names each prefix has given out. */
const COUNTS = new Map<string, number>();
/** The names each session has prepared (PREPARE outlives a rolled-back transaction, as the session does). */
const PREPARED = new WeakMap<pg.ClientBase, Set<string>>();

/**
 * SQLSTATEs of a prepared statement the session no longer has as it was prepared, raised
 * before it runs: 26000 (DEALLOCATE, DISCARD ALL, a pooler in between) and 0A000 "cached
 * plan must not change result type" (a migration changed the columns it returns). For
 * both kinds: a statement named in the protocol (preparedStatements.ts: the client sends
 * unnamed from then on) and one PREPAREd in SQL (prepareOnSession: the session is
 * discarded, a new one prepares again).
 */
export const LOST_PREPARED_STATEMENT = new Set(['26000', '0A000']);

/**
 * Prepares `text` on `client`'s session with PREPARE (one round trip, the first time
 * this session sees the text) and returns its name, for statements sent in the simple
 * protocol as `EXECUTE name(literals)` beside others in one round trip. The server
 * parses it once per session and, where the session's plan_cache_mode lets it (or
 * the round trip sets it locally), plans it once. Postgres replans a prepared statement
 * by itself after DDL on its tables or a new ANALYZE of them.
 */
export async function prepareOnSession(client: pg.ClientBase, prefix: string, text: string): Promise<string> {
  let name = NAMES.get(text);
  if (!name) {
    const n = (COUNTS.get(prefix) ?? 0) + 1;
    COUNTS.set(prefix, n);
    name = `accrue_${prefix}_${n}`;
    NAMES.set(text, name);
  }
  let prepared = PREPARED.get(client);
  if (!prepared) PREPARED.set(client, (prepared = new Set()));
  if (!prepared.has(name)) {
    await client.query(`PREPARE ${name} AS ${text}`);
    prepared.add(name);
  }
  return name;
}

/**
 * `s` as an SQL string literal, exactly as pg's escapeLiteral writes it (quotes doubled;
 * with a backslash, an E'' literal with backslashes doubled), by whole-string replaces.
 * pg's loop appends a character at a time: 0.6 ms for a 39 kB text against 0.01 here
 * (Node 24), and the relay's deferred posting sends ~23 kB of books, snapshots and
 * entries as literals in a 30-event batch; pg's escapeLiteral was the relay's top
 * JavaScript function in a profile at 1,000 events/s (docs/performance.md, "Twelfth step (a)").
 */
export function quoteLiteral(s: string): string {
  const quoted = `'${s.replaceAll("'", "''")}'`;
  return s.includes('\\') ? ` E${quoted.replaceAll('\\', '\\\\')}` : quoted;
}

/** `EXECUTE name(literals)` of a statement prepareOnSession prepared, its parameters as literals (executeLiteral). */
export function executeStatement(name: string, parameters: readonly unknown[]): string {
  return `EXECUTE ${name}${parameters.length > 0 ? `(${parameters.map(executeLiteral).join(', ')})` : ''}`;
}

/**
 * `statement` run with the session's cached generic plan, asked for around it only: the
 * session's plan_cache_mode (connect's customPlans for the bus) holds for everything else
 * in the transaction.
 */
export function withGenericPlan(statement: string): string {
  return `SET LOCAL plan_cache_mode = force_generic_plan; ${statement}; SET LOCAL plan_cache_mode TO DEFAULT`;
}

/** A value as the literal of an EXECUTE argument; the prepared statement's parameter types then apply as they do to a bound value. */
export function executeLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'string') return quoteLiteral(value);
  if (typeof value === 'number' && Number.isFinite(value)) return quoteLiteral(String(value));
  if (typeof value === 'bigint' || typeof value === 'boolean') return quoteLiteral(String(value));
  if (value instanceof Date) return quoteLiteral(value.toISOString());
  throw new InvariantError(`an EXECUTE argument of type ${typeof value} has no literal form here`);
}
