import './pgTypes.ts';
import pg from 'pg';
import { Kysely, type Transaction } from 'kysely';
import type { Database } from './schema.ts';
import { sendNamedStatements } from './preparedStatements.ts';
import { wakingDialect, type WakeLog } from './wakeRelay.ts';

export type Db = Kysely<Database>;
/** Any executor: the pool-backed Kysely or an open transaction. Functions take it first. */
export type Executor = Kysely<Database> | Transaction<Database>;

export type DbHandle = {
  db: Db;
  pool: pg.Pool;
  url: string;
  close(): Promise<void>;
};

/**
 * A pool and its Kysely. Every commit through `db` that added outbox rows wakes the
 * relay afterwards (db/wakeRelay.ts); `log` receives a failed wake-up at debug. Its
 * clients send preparedStatement()'s texts as named statements (db/preparedStatements.ts).
 */
export function connect(
  url: string,
  options: { max?: number; applicationName?: string; log?: WakeLog; asyncCommit?: boolean; customPlans?: boolean } = {},
): DbHandle {
  const settings = [
    // asyncCommit: commits do not wait for their WAL flush (synchronous_commit off) on this
    // pool's sessions. Only for writes a crash may undo because a later synchronous
    // commit that depends on them flushes them first (WAL is written in order).
    ...(options.asyncCommit ? ['-c synchronous_commit=off'] : []),
    // customPlans: the named statements of this pool's sessions are parsed once but planned
    // for each call's values. For the bus processes' batch statements (executeNamed), whose
    // `= ANY($1)` arrays hold 1 to 1,000 keys: a generic plan, costed without the array,
    // could scan a history table where a custom plan probes its index. Parsing once
    // is most of the saving anyway (docs/performance.md, "Fifth step").
    ...(options.customPlans ? ['-c plan_cache_mode=force_custom_plan'] : []),
  ];
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'accrue',
    ...(settings.length > 0 ? { options: settings.join(' ') } : {}),
  });
  // An idle client that loses its server (restart, pg_terminate_backend) emits
  // 'error'; the pool drops it and makes a new one on demand. Without a listener
  // the process would crash.
  pool.on('error', () => {});
  // A client checked out in the instant its server goes away (readiness probe during
  // a restart) emits 'error' while the pool's idle listener is detached; the query
  // it runs is rejected anyway, so a no-op listener keeps the process alive.
  pool.on('connect', (client) => {
    client.on('error', () => {});
    // The hot statements (preparedStatement()) are parsed and planned once per connection;
    // with customPlans, executeNamed()'s batch statements are parsed once, planned per call.
    sendNamedStatements(client, { batchStatements: options.customPlans === true });
  });
  const waking = wakingDialect(pool, options.log);
  const db = new Kysely<Database>({ dialect: waking.dialect });
  return {
    db,
    pool,
    url,
    async close() {
      await db.destroy();
    },
  };
}
