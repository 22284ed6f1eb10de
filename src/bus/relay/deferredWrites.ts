import type pg from 'pg';
import type { CompiledQuery } from 'kysely';
import { InvariantError } from '../../errors.ts';
import { WRITES_OUTBOX } from '../../db/wakeRelay.ts';
import { prepareOnSession } from '../../db/sessionStatements.ts';

export type DeferredWrites = {
  /**
   * Keeps `query` (a write whose result nobody reads) to run in the commit's round trip,
   * after everything else the transaction does. The first time a session sees a text,
   * it PREPAREs it (one round trip, once per session): EXECUTE then sends only the
   * values, parsed once per session as a named statement would be.
   */
  defer(query: CompiledQuery): Promise<void>;
  /** The kept writes as EXECUTE statements, each ending in `;` (empty when none), in the order kept. */
  text(): string;
  /** Whether any write was kept. */
  any(): boolean;
  /** Whether a kept write adds outbox rows (the relay then has more to move once it commits). */
  wroteOutbox(): boolean;
};

/** A value as an SQL literal; the prepared statement's parameter types then apply as they do to a bound value. */
function literal(client: pg.ClientBase, value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'string') return client.escapeLiteral(value);
  if (typeof value === 'number' && Number.isFinite(value)) return client.escapeLiteral(String(value));
  if (typeof value === 'bigint' || typeof value === 'boolean') return client.escapeLiteral(String(value));
  if (value instanceof Date) return client.escapeLiteral(value.toISOString());
  throw new InvariantError(`relay: a deferred write's parameter of type ${typeof value} has no literal form here`);
}

/**
 * The writes a subscriber applied in the relay hands over to run with the commit
 * (SubscriberContext.deferWrite): the relay sends them in the commit's round trip,
 * one round trip fewer per batch. They run after every other statement of the
 * transaction; an error in one fails that round trip, and the relay rolls back and
 * hands the batch to jobs, as a throw in the apply would.
 */
export function deferredWrites(client: pg.ClientBase): DeferredWrites {
  const kept: string[] = [];
  let outbox = false;
  return {
    async defer(query) {
      const name = await prepareOnSession(client, 'deferred', query.sql);
      const args = query.parameters.map((v) => literal(client, v));
      kept.push(`EXECUTE ${name}${args.length > 0 ? `(${args.join(', ')})` : ''};`);
      if (WRITES_OUTBOX.test(query.sql)) outbox = true;
    },
    text: () => kept.join(' '),
    any: () => kept.length > 0,
    wroteOutbox: () => outbox,
  };
}
