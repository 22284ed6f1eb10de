import type { Logger } from 'pino';
import type { CompiledQuery, Kysely, RawBuilder, Transaction } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { Executor } from '../../db/connect.ts';
import type { EventType } from '../../events/eventTypes.ts';
import type { StoredEvent } from '../../events/envelope.ts';

/** A read run with a plan made once per session: SubscriberContext.readPlannedOnce. */
export type PlannedRead = <R>(query: CompiledQuery<R>) => Promise<R[]>;

/**
 * The event-bus interface of the original plan, independent of pg-boss: a subscriber
 * is a name, the event types it takes, and a plain function. The worker calls
 * `handle` inside one transaction that also records (subscriber, eventId) in the
 * inbox, so its effects happen exactly once; unit tests call it in memory with the
 * same validation (readStoredEvent).
 */
export type SubscriberContext = {
  /** The transaction the effect must be written in (inbox record commits with it). */
  db: Transaction<Database>;
  log: Logger;
  /** The processing clock; business dates come from the event, never from here. */
  now: Date;
  /**
   * Runs `effect` after this context's transaction (or the event's savepoint) has
   * committed, and never if it rolls back: for an effect outside the database that
   * must not happen for undone work (a notice appended to a file, where a batch
   * rolled back and re-applied event by event would append it twice). A crash can
   * still fall between the commit and the effect, so the handler records the effect
   * as pending in the transaction and the effect marks it done (at-least-once, keyed
   * by event id). Absent where no worker transaction wraps the call (in-memory
   * dispatch, tools): the handler then does the effect in place.
   */
  afterCommit?(effect: AfterCommitEffect): void;
  /**
   * Set for handleBatch when the worker already took the subscriber's batchLocks for
   * these events in its inbox claim: handleBatch must not take them again.
   */
  batchLocked?: boolean;
  /**
   * Set for handleBatch where the transaction's owner can send a write with its commit
   * (the relay: src/bus/relay/deferredWrites.ts): the handler may hand its last write,
   * one whose result it does not read and after which it reads nothing, instead of
   * running it: one round trip fewer. It runs after everything else in the transaction
   * (other subscribers' applies included, which never read this one's tables); an
   * error in it rolls the whole transaction back, as a throw would.
   */
  deferWrite?(query: CompiledQuery): Promise<void>;
  /**
   * Set for handleBatch where the transaction's owner plans a statement once per
   * session (the relay: src/bus/relay/plannedReads.ts): runs a read whose text does
   * not change with its values and whose plan does not depend on them (keys looked up
   * by index through LATERAL ... OFFSET 0) with a generic plan, instead of planning it
   * for each call's values. Same rows, same transaction.
   */
  readPlannedOnce?: PlannedRead;
  /**
   * Adds jobs to one of the subscriber's own queues (Subscriber.queues) in this
   * context's transaction: they exist if and only if the handler's work commits.
   * Absent where no worker runs the handler (in-memory dispatch, tools).
   */
  enqueue?(queue: string, jobs: readonly OutgoingJob[]): Promise<void>;
};

/** A job for a subscriber's own queue. */
export type OutgoingJob = {
  data: object;
  /** Not before this many seconds from now. */
  startAfterSeconds?: number;
  /** The job's group (pg-boss group id): WorkQueue.groupConcurrency bounds how many of a group run at once. */
  group?: string;
};

/** Adds `jobs` to `queue` inside `db`'s transaction. */
export type Enqueue = (db: Executor, queue: string, jobs: readonly OutgoingJob[]) => Promise<void>;

/** What a WorkQueue's handler gets: the worker's pool (no transaction: the handler opens its own), and enqueue. */
export type WorkQueueContext = { db: Kysely<Database>; log: Logger; now: () => Date; enqueue: Enqueue };

/**
 * A pg-boss queue a subscriber fills itself (ctx.enqueue) and the worker works, one
 * job per handler call, outside the event inbox: for work that is not "apply this
 * event once", e.g. one outside call per (event, endpoint) with its own retry
 * schedule. The queue gets the bus's retry policy and dead letter; the handler owns
 * its idempotency, and a throw is retried by pg-boss.
 */
export type WorkQueue = {
  name: string;
  /** Jobs one worker process runs at once, one per fetch loop. */
  concurrency: number;
  /** Most jobs of one group (OutgoingJob.group) in flight in one worker process; below concurrency, so a hanging group leaves loops to the others. */
  groupConcurrency?: number;
  work(job: { id: string; retryCount: number; data: unknown }, ctx: WorkQueueContext): Promise<void>;
};

/** An effect run after commit, on the worker's pool (outside any job transaction), at the worker clock's `now`. */
export type AfterCommitEffect = (db: Kysely<Database>, now: Date) => Promise<void>;

/**
 * Work a subscriber needs on a clock rather than on an event (e.g. overdue detection).
 * The worker creates a pg-boss queue `name`, registers the cron schedule on it and
 * calls `run` in a transaction for each tick; pg-boss's schedule makes one tick per
 * occurrence across all workers.
 */
export type ScheduledTask = {
  /** Queue and schedule name; must not collide with a subscriber name. */
  name: string;
  /** Cron expression (5 fields) or RRULE, evaluated in `tz`. */
  cron: string;
  tz?: string;
  run(ctx: SubscriberContext): Promise<void>;
};

/** A table a projection snapshot may copy: each has a typed copy `<table>_snapshot` (migration 140). */
export type ProjectionTable = 'analytics_invoices' | 'analytics_payments';

export type Subscriber = {
  name: string;
  eventTypes: readonly EventType[];
  handle(event: StoredEvent, ctx: SubscriberContext): Promise<void>;
  /**
   * Optional: the same effect as calling `handle` for each event in order, in fewer
   * round trips. The worker uses it for a batch it applies in one transaction; the
   * event-by-event fallback, replays and tests keep calling `handle`. Throwing rolls
   * back the whole batch (the worker then retries it event by event).
   */
  handleBatch?(events: readonly StoredEvent[], ctx: SubscriberContext): Promise<void>;
  /**
   * Optional, with handleBatch: the locks handleBatch takes before it reads, as one SQL
   * expression. The worker evaluates it in the statement that claims the batch's inbox
   * rows (one round trip less on every batch, the latency path included) and then calls
   * handleBatch with ctx.batchLocked. It must lock in a fixed order (see triageJobs), and
   * handleBatch must read only in later statements, whose snapshot follows the locks.
   */
  batchLocks?(events: readonly StoredEvent[]): RawBuilder<unknown>;
  /**
   * Optional, with batchLocks: the same locks as SQL text with no parameters, over a
   * relation of the batch's events (`relation` names it; columns `type`, `aggregate_id`,
   * `event_id`). A relay that applies the subscriber takes them, with its inbox claim, in
   * the statement that claims the batch (src/bus/relay/relayBatch.ts): a round trip less.
   */
  batchLocksSql?(relation: string): string;
  /** Calls systems outside accrue: runs behind a circuit breaker. */
  external?: boolean;
  /**
   * Its handlers write only through ctx.db: no afterCommit, no enqueue, nothing outside
   * the database, no `prepare`. A relay process that runs it may then apply a small
   * batch of its events in the transaction that claims them, instead of making a job
   * (src/bus/relay/relayApplier.ts; docs/subscribers.md "Applied in the relay").
   */
  appliesInRelay?: boolean;
  /**
   * Deletes everything this subscriber derived from events, so `accrue rebuild`
   * can re-feed it from the event store. Runs in the transaction that also clears
   * the subscriber's inbox rows. Without it, rebuild refuses.
   */
  reset?(db: Transaction<Database>): Promise<void>;
  /**
   * Optional, with reset: the tables that hold this subscriber's state, copied into
   * periodic snapshots at a point of the event store (src/bus/operator/projectionSnapshots.ts)
   * so `accrue rebuild` replays only the events after the latest one. Only for state
   * whose writes commute and repeat harmlessly: a snapshot may already hold some of the
   * events replayed after it. The tables must be all of the subscriber's state: restoring
   * a snapshot replaces them instead of calling reset. Bump schemaVersion when the tables
   * change shape (and change their `_snapshot` copies alike): snapshots of another
   * version, or copies whose columns differ from their table, are ignored.
   */
  snapshot?: { schemaVersion: number; tables: readonly ProjectionTable[] };
  /** pg-boss schedules this subscriber needs; the worker registers and runs them. */
  schedules?: readonly ScheduledTask[];
  /** Queues of the subscriber's own jobs (ctx.enqueue); the worker creates and works them. */
  queues?: readonly WorkQueue[];
  /** Run by each worker once at start, before it takes jobs (e.g. the endpoint ACCRUE_WEBHOOK_URL configures). */
  prepare?(db: Kysely<Database>, now: Date): Promise<void>;
};
