import type { Executor } from '../../db/connect.ts';
import type { StoredEvent } from '../../events/envelope.ts';

/** The part of a pg-boss job the worker reads; retryCount 0 = first attempt. */
export type BatchJob = { id: string; retryCount: number; data: unknown };

/** How pg-boss settles one job (perJobResults): 'deadletter' skips the retries and archives. */
export type BatchResult = { id: string; status: 'completed' | 'failed' | 'deadletter'; output?: object };

/** Enqueues the given payloads again on this queue, starting after `seconds`, inside `db`'s transaction. */
export type Requeue = (db: Executor, payloads: unknown[], seconds: number) => Promise<void>;

/**
 * Marks the given jobs completed inside `db`'s transaction (pg-boss `complete` on the
 * caller's connection, fenced to the attempts fetched), so the batch's work and its
 * jobs' completion commit together: one commit per batch, not two. `output` is stored
 * on each (pg-boss job output), e.g. a split bundle's reason.
 */
export type CompleteInTransaction = (db: Executor, jobs: readonly BatchJob[], output?: object) => Promise<void>;

/** A job whose payload is a valid event; `duplicate`: an earlier job of this batch carries the same event. */
export type EventJob = { job: BatchJob; event: StoredEvent; duplicate: boolean };

/**
 * What happened to one job, before anyone decided what it means for pg-boss
 * (settleJobs decides): its handler ran and committed ('applied'); it threw in its
 * own attempt ('threw': a failure, a deferral or a refusal, by the error); the
 * transaction around it failed ('lost'); or its payload is no event ('poison').
 */
export type JobOutcome =
  | { kind: 'applied'; job: BatchJob; event: StoredEvent }
  | { kind: 'threw' | 'lost'; job: BatchJob; event: StoredEvent; error: unknown }
  | { kind: 'poison'; job: BatchJob; error: unknown };
