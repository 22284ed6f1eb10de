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
 * How long a pool keeps an idle connection: always (pg's default closes it after 10 s).
 * A connection is dear to open — a server process, SCRAM's key derivation on both sides,
 * cold catalog caches (every partition of events and ledger_entries), the named
 * statements prepared again — and under a steady load a pool that sheds its idle
 * connections reopens them in bursts: the first hiccup after they timed out finds too few
 * and opens one per waiting query, and at 200 events/s the e2e figure stalled every ~11 s
 * (seconds with 137–485 ms) while ~25 connections authenticated at once
 * (docs/performance.md, eleventh step). A pool so grows to its peak and stays there:
 * size max_connections for the sum of the pools' `max` (docs/operations.md), as before.
 * A connection the server closes is dropped (the 'error' listeners below) and a new one
 * opened on demand.
 */
export const POOL_IDLE_TIMEOUT_MS = 0;

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
    idleTimeoutMillis: POOL_IDLE_TIMEOUT_MS,
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
