import type pg from 'pg';
import type { CompiledQuery } from 'kysely';
import { addedOutboxRows } from '../../db/wakeRelay.ts';
import { executeStatement, prepareOnSession } from '../../db/sessionStatements.ts';

export type DeferredWrites = {
  /**
   * Keeps `query` (a write whose rows nobody reads, but for the outbox rows it reports:
   * wroteOutbox) to run in the commit's round trip,
   * after everything else the transaction does. The first time a session sees a text,
   * it PREPAREs it (one round trip, once per session): EXECUTE then sends only the
   * values, parsed once per session as a named statement would be.
   */
  defer(query: CompiledQuery): Promise<void>;
  /** The kept writes as EXECUTE statements, each ending in `;` (empty when none), in the order kept. */
  text(): string;
  /** Whether any write was kept. */
  any(): boolean;
  /**
   * Whether a kept write added outbox rows (the relay then has more to move once it
   * commits), read from `results`: the kept writes' results, one each in the order kept
   * (the commit round trip's). Without them, whether a kept write's text may add some.
   */
  wroteOutbox(results?: readonly { rows?: unknown[] }[]): boolean;
};

/**
 * The writes a subscriber applied in the relay hands over to run with the commit
 * (SubscriberContext.deferWrite): the relay sends them in the commit's round trip,
 * one round trip fewer per batch. They run after every other statement of the
 * transaction; an error in one fails that round trip, and the relay rolls back and
 * hands the batch to jobs, as a throw in the apply would.
 */
export function deferredWrites(client: pg.ClientBase): DeferredWrites {
  // Each kept write: its EXECUTE, and the statement's text (what it may write).
  const kept: { execute: string; sql: string }[] = [];
  return {
    async defer(query) {
      kept.push({ execute: `${executeStatement(await prepareOnSession(client, 'deferred', query.sql), query.parameters)};`, sql: query.sql });
    },
    text: () => kept.map((k) => k.execute).join(' '),
    any: () => kept.length > 0,
    wroteOutbox: (results) => kept.some((k, i) => addedOutboxRows(k.sql, results?.[i]?.rows)),
  };
}
