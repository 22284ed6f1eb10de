import type pg from 'pg';
import { notifyConnection } from './notifyConnection.ts';
import { PostgresDialect, type CompiledQuery, type DatabaseConnection, type Driver, type TransactionSettings } from 'kysely';

/** The channel the relay LISTENs on (bus/relay/listenForOutbox.ts). */
export const OUTBOX_CHANNEL = 'accrue_outbox';

/**
 * A statement that adds outbox rows: appendEvents' `INSERT INTO outbox` and the
 * invoice create's call of `insert_invoice_with_event(` (migration 170, whose body
 * inserts the outbox row). Matching the statement text (not a flag each writer sets)
 * means a new writer cannot forget the wake-up.
 */
export const WRITES_OUTBOX = /\binsert\s+into\s+"?outbox"?[\s(]|\binsert_invoice_with_event\(/i;

/** The result column in which a statement that may add outbox rows reports how many it added (addedOutboxRows). */
export const OUTBOX_ROWS = 'outbox_rows';

/**
 * Whether a statement that ran added outbox rows: its text matches WRITES_OUTBOX, unless
 * its result says how many it added, as a column `outbox_rows` (OUTBOX_ROWS) of its
 * rows, and that is 0. The revenue posting reports them: its revenue events get outbox
 * rows only while a subscription takes their type (appendEvents.ts), so nearly every
 * posting adds none, and each woke the relay for nothing — a worker's 500-event batch
 * one NOTIFY transaction and one relay claim, a batch the relay applied itself one claim
 * more (its loop looks again at once after a write that added outbox rows). A statement
 * without the column (`rows` not given: a result nobody read) is taken at its text.
 */
export function addedOutboxRows(text: string, rows?: readonly unknown[]): boolean {
  if (!WRITES_OUTBOX.test(text)) return false;
  const first = rows?.[0];
  if (typeof first !== 'object' || first === null || !(OUTBOX_ROWS in first)) return true;
  return rows!.some((row) => Number((row as Record<string, unknown>)[OUTBOX_ROWS]) !== 0);
}

export type WakeLog = { debug(obj: object, msg: string): void };

/**
 * Coalesces wake-ups: at most one `send` in flight; wakes while it runs collapse into
 * exactly one more send after it, so the last commit's wake-up is never lost.
 * Errors go to `onError` and are otherwise ignored (the relay's poll is the fallback).
 */
export function coalescedWake(send: () => Promise<unknown>, onError: (err: Error) => void): { wake(): void; idle(): Promise<void> } {
  let inFlight: Promise<void> | undefined;
  let again = false;
  const wake = () => {
    if (inFlight) {
      again = true;
      return;
    }
    inFlight = Promise.resolve()
      .then(send)
      .then(
        () => {},
        (err: Error) => onError(err),
      )
      .finally(() => {
        inFlight = undefined;
        if (again) {
          again = false;
          wake();
        }
      });
  };
  return {
    wake,
    async idle() {
      while (inFlight) await inFlight;
    },
  };
}

/**
 * The pool's kysely dialect, plus the relay's wake-up after commit. The outbox once
 * had a trigger that NOTIFYed inside every write transaction; a transaction that
 * NOTIFYs takes a database-wide lock at commit, which serialised every write
 * (migration 060 drops it). Instead the driver notes when a connection ran an outbox
 * insert and, once that work is committed (the transaction's COMMIT, or the statement
 * itself outside one) and the connection released, sends one `NOTIFY` on a connection
 * of its own (db/notifyConnection.ts: not one of the pool's, so a create never waits
 * for a connection taken by a wake-up; through the pool only while that connection
 * opens), coalesced per pool. A rollback forgets the note.
 */
export function wakingDialect(pool: pg.Pool, log?: WakeLog): { dialect: PostgresDialect } {
  const options = pool.options as pg.ClientConfig;
  const notify = notifyConnection(
    { ...options, application_name: `${options.application_name ?? 'accrue'}-wake` },
    OUTBOX_CHANNEL,
    (text) => pool.query(text),
  );
  const notifier = coalescedWake(
    () => notify.send(),
    (err) => log?.debug({ err: { message: err.message } }, 'relay wake-up failed; the relay poll will pick the events up'),
  );
  const wrote = new WeakSet<DatabaseConnection>();
  const patched = new WeakSet<DatabaseConnection>();

  class WakingDialect extends PostgresDialect {
    override createDriver(): Driver {
      const inner = super.createDriver();
      return {
        init: () => inner.init(),
        async acquireConnection() {
          const connection = await inner.acquireConnection();
          if (!patched.has(connection)) {
            // The same connection object comes back for the same pg client; patch it once.
            patched.add(connection);
            const execute = connection.executeQuery.bind(connection);
            connection.executeQuery = (async (query: CompiledQuery) => {
              const result = await execute(query);
              if (addedOutboxRows(query.sql, result.rows)) wrote.add(connection);
              return result;
            }) as DatabaseConnection['executeQuery'];
          }
          return connection;
        },
        beginTransaction: (c: DatabaseConnection, settings: TransactionSettings) => inner.beginTransaction(c, settings),
        async commitTransaction(c) {
          try {
            await inner.commitTransaction(c);
          } catch (err) {
            wrote.delete(c);
            throw err;
          }
        },
        async rollbackTransaction(c) {
          wrote.delete(c);
          await inner.rollbackTransaction(c);
        },
        savepoint: inner.savepoint?.bind(inner),
        rollbackToSavepoint: inner.rollbackToSavepoint?.bind(inner),
        releaseSavepoint: inner.releaseSavepoint?.bind(inner),
        async releaseConnection(c) {
          const woke = wrote.delete(c);
          await inner.releaseConnection(c);
          if (woke) notifier.wake();
        },
        async destroy() {
          // Let the wake-ups of the last commits go out before the pool ends.
          await notifier.idle();
          await notify.close();
          await inner.destroy();
        },
      };
    }
  }
  return { dialect: new WakingDialect({ pool }) };
}
