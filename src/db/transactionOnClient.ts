import type pg from 'pg';
import {
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  type Transaction,
} from 'kysely';
import type { Database } from './schema.ts';
import { addedOutboxRows } from './wakeRelay.ts';

export type ClientTransaction = {
  /** Runs `fn` with a kysely Transaction on the client; a throw leaves the client's transaction to its owner (who rolls it back). */
  run<T>(fn: (tx: Transaction<Database>) => Promise<T>): Promise<T>;
  /** Whether a statement run through it added outbox rows (the relay then has more to move once this commits). */
  wroteOutbox(): boolean;
};

/**
 * A kysely Transaction over a pg client whose transaction someone else began and will
 * end: the relay's claim (BEGIN and the claim in one round trip) then hands the same
 * transaction to a subscriber's handler (src/bus/worker/applyInRelay.ts). Kysely's own
 * `transaction()` would open a second one on another pooled connection. Nothing here
 * sends BEGIN, COMMIT or ROLLBACK: the owner does, and the handler's statements commit
 * or roll back with its claim.
 */
export function transactionOnClient(client: pg.ClientBase): ClientTransaction {
  let wrote = false;
  const connection: DatabaseConnection = {
    async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
      const { command, rowCount, rows } = await client.query(query.sql, [...query.parameters]);
      if (addedOutboxRows(query.sql, rows)) wrote = true;
      const changed = command === 'INSERT' || command === 'UPDATE' || command === 'DELETE' || command === 'MERGE';
      return { rows: (rows ?? []) as R[], ...(changed ? { numAffectedRows: BigInt(rowCount ?? 0) } : {}) };
    },
    streamQuery() {
      throw new Error('transactionOnClient: streaming is not supported');
    },
  };
  const driver: Driver = {
    init: async () => {},
    acquireConnection: async () => connection,
    // The owner's transaction: kysely's begin/commit/rollback are no-ops here.
    beginTransaction: async () => {},
    commitTransaction: async () => {},
    rollbackTransaction: async () => {},
    releaseConnection: async () => {},
    destroy: async () => {},
  };
  const db = new Kysely<Database>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => driver,
      createIntrospector: (k) => new PostgresIntrospector(k),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });
  return {
    run: (fn) => db.transaction().execute(fn),
    wroteOutbox: () => wrote,
  };
}
