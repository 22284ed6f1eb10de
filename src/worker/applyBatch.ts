import { sql } from 'kysely';
import { DeferDelivery } from '../bus/deferDelivery.ts';
import { RefuseEvent } from '../bus/refuseEvent.ts';
import type { AfterCommitEffect, Subscriber } from '../bus/subscriber.ts';
import type { Db, Executor } from '../db/connect.ts';
import { readStoredEvent, type StoredEvent } from '../events/envelope.ts';
import type { Logger } from '../lib/logger.ts';
import { claimInbox, insertFailedAttempts } from './inboxAndFailures.ts';
import { describeFailure, eventIdentity, type AttemptFailure } from './jobFailure.ts';
import { recordAfterCommitError } from '../telemetry/metrics.ts';
import { handleBatchTraced, handleTraced, settleBatchTelemetry, startBatchTelemetry, type BatchTelemetry } from './attemptTelemetry.ts';

/** The part of a pg-boss job the worker reads; retryCount 0 = first attempt. */
export type BatchJob = { id: string; retryCount: number; data: unknown };
export type BatchResult = { id: string; status: 'completed' | 'failed' | 'deadletter'; output?: object };
/** Enqueues the given payloads again on this queue, starting after `seconds`, inside `db`'s transaction. */
export type Requeue = (db: Executor, payloads: unknown[], seconds: number) => Promise<void>;

type Valid = { job: BatchJob; event: StoredEvent };
type Ctx = { subscriber: Subscriber; queue: string; log: Logger; startedAt: Date; requeue: Requeue | undefined; now: () => Date; telemetry?: BatchTelemetry };

/**
 * Applies a batch of one subscriber's jobs and says how each ended, for pg-boss's
 * per-job settlement:
 * - a payload that is not a valid event (poison) -> 'deadletter': no retry, straight
 *   to the archive, with the validation error;
 * - otherwise the inbox row and the handler's effect commit in one transaction, so a
 *   redelivered event changes nothing ('completed' without calling the handler);
 * - a throwing handler -> 'failed' (pg-boss retries with backoff, then archives);
 * - a handler throwing RefuseEvent -> 'deadletter' like poison: the event can never
 *   apply, so it goes to the archive with the handler's reason, without retries;
 * - a handler throwing DeferDelivery -> 'completed', and the event is enqueued again
 *   to start later, in the same transaction (not a failure: no retry count, no archive).
 * The happy path is one transaction for the whole batch with one inbox statement and,
 * when the subscriber has one, one handleBatch call for the fresh events (no
 * savepoints: at 200 events/s most batches hold one event, and every round trip is
 * latency). If a handler throws, the batch is rolled back and re-applied event by
 * event with a savepoint each, so one bad event cannot hold back the others. External
 * subscribers always go event by event, so a neighbour's failure never repeats their
 * outside call. Every failed attempt is written to failed_attempts.
 * Effects a handler asks to run after commit (ctx.afterCommit) run once the work
 * they belong to has committed: a rolled-back batch or savepoint drops its effects,
 * so re-applying event by event does not repeat them.
 */
export async function applyBatch(
  db: Db,
  subscriber: Subscriber,
  jobs: readonly BatchJob[],
  options: {
    queue: string;
    log: Logger;
    requeue?: Requeue;
    /** The queue's retry limit: tells a retried failure from an archived one in metrics. */
    retryLimit?: number;
    /** The handlers' processing clock (SubscriberContext.now); the real one unless a test or runner injects another. */
    now?: () => Date;
  },
): Promise<BatchResult[]> {
  const now = options.now ?? (() => new Date());
  const ctx: Ctx = { subscriber, queue: options.queue, log: options.log, startedAt: new Date(), requeue: options.requeue, now };
  const results = new Map<string, BatchResult>();
  const poison: AttemptFailure[] = [];
  const valid: Valid[] = [];
  for (const job of jobs) {
    try {
      valid.push({ job, event: readStoredEvent(job.data) });
    } catch (err) {
      const { message, stack } = describeFailure(err);
      poison.push({ jobId: job.id, ...eventIdentity(job.data), attempt: job.retryCount + 1, poison: true, message, stack, startedAt: ctx.startedAt });
      results.set(job.id, { id: job.id, status: 'deadletter', output: { message, poison: true, attempt: job.retryCount + 1 } });
    }
  }

  // Every transaction takes per-aggregate locks (the revenue ledger's invoice lock) in
  // the same order, so two batches in flight can no longer deadlock on them: pg-boss
  // hands out jobs by creation time, and one relay batch's jobs (same created_on) split
  // an invoice's events across both batches. A bench drain of 100,000 events saw 14-29
  // deadlocks, each stalling two batches for deadlock_timeout (1 s). Stable: an
  // aggregate's events keep their position order.
  valid.sort(byAggregateThenPosition);

  ctx.telemetry = startBatchTelemetry(valid, { queue: ctx.queue, subscriber: subscriber.name, log: ctx.log, retryLimit: options.retryLimit });

  const together = valid.length > 0 && (valid.length === 1 || !subscriber.external) ? await applyTogether(db, ctx, valid) : undefined;
  if (together?.ok) {
    for (const { job } of valid) results.set(job.id, { id: job.id, status: 'completed' });
    await runAfterCommit(db, ctx, together.effects);
    await record(db, ctx, poison);
  } else if (together && valid.length === 1) {
    // One event: its transaction is already rolled back; no need to run it again.
    const [{ job, event }] = valid as [Valid];
    const err = together.error;
    if (err instanceof DeferDelivery && ctx.requeue) {
      const deferred = await ctx.requeue(db, [job.data], err.seconds).then(() => true, () => false);
      if (deferred) results.set(job.id, deferredResult(job, err));
    }
    if (!results.has(job.id)) {
      const { message, stack } = describeFailure(err);
      const refused = err instanceof RefuseEvent;
      if (refused) logRefused(ctx, job, event, message);
      poison.push({ ...failure(job, event, message, stack, ctx.startedAt), poison: refused });
      results.set(job.id, refused ? refusedResult(job, message, stack) : failedResult(job, message, stack));
    }
    await record(db, ctx, poison);
  } else {
    try {
      const applied = await applyOneByOne(db, ctx, valid, poison);
      for (const r of applied.results) results.set(r.id, r);
      await runAfterCommit(db, ctx, applied.effects);
    } catch (err) {
      // The transaction itself failed (connection lost, server restart): nothing of the
      // batch committed, so every event is retried. Record the attempts if we still can.
      const { message, stack } = describeFailure(err);
      for (const { job, event } of valid) {
        poison.push(failure(job, event, message, stack, ctx.startedAt));
        results.set(job.id, failedResult(job, message, null));
      }
      await record(db, ctx, poison);
    }
  }
  const settled = jobs.map((j) => results.get(j.id)!);
  settleBatchTelemetry(ctx.telemetry, jobs, settled);
  return settled;
}

/** One transaction, one inbox statement; the error if anything threw (all rolled back). */
async function applyTogether(db: Db, ctx: Ctx, valid: readonly Valid[]): Promise<{ ok: true; effects: AfterCommitEffect[] } | { ok: false; error: unknown }> {
  const effects: AfterCommitEffect[] = [];
  try {
    await db.transaction().execute(async (tx) => {
      const fresh = await claimInbox(tx, ctx.subscriber.name, valid.map((v) => v.event.eventId.toLowerCase()));
      const handlerCtx = { db: tx, log: ctx.log, now: ctx.now(), afterCommit: (e: AfterCommitEffect) => void effects.push(e) };
      // delete: the same event twice in one batch (a replay beside the original) runs once.
      const toHandle = valid.filter(({ event }) => fresh.delete(event.eventId.toLowerCase()));
      const { subscriber } = ctx;
      if (subscriber.handleBatch) {
        // Same effect as handle() per event, in fewer round trips (revenue: ~6 statements a batch, not ~4.8 an event).
        if (toHandle.length > 0) await handleBatchTraced(ctx.telemetry!, subscriber, toHandle, handlerCtx);
      } else {
        for (const { job, event } of toHandle) await handleTraced(ctx.telemetry!, subscriber, job, event, handlerCtx);
      }
    });
    return { ok: true, effects };
  } catch (error) {
    if (valid.length > 1) ctx.log.debug({ err: describeFailure(error), subscriber: ctx.subscriber.name }, 'batch failed; applying event by event');
    return { ok: false, error };
  }
}

async function applyOneByOne(
  db: Db,
  ctx: Ctx,
  valid: readonly Valid[],
  poison: readonly AttemptFailure[],
): Promise<{ results: BatchResult[]; effects: AfterCommitEffect[] }> {
  return db.transaction().execute(async (tx) => {
    const results: BatchResult[] = [];
    const failures: AttemptFailure[] = [...poison];
    const deferred = new Map<number, unknown[]>();
    // The effects of events whose savepoint was released; a rolled-back event's are dropped.
    const effects: AfterCommitEffect[] = [];
    let current: AfterCommitEffect[] = [];
    const handlerCtx = { db: tx, log: ctx.log, now: ctx.now(), afterCommit: (e: AfterCommitEffect) => void current.push(e) };
    for (const { job, event } of valid) {
      current = [];
      await sql`SAVEPOINT accrue_event`.execute(tx);
      try {
        const fresh = await claimInbox(tx, ctx.subscriber.name, [event.eventId.toLowerCase()]);
        if (fresh.size > 0) await handleTraced(ctx.telemetry!, ctx.subscriber, job, event, handlerCtx);
        await sql`RELEASE SAVEPOINT accrue_event`.execute(tx);
        effects.push(...current);
        results.push({ id: job.id, status: 'completed' });
      } catch (err) {
        await sql`ROLLBACK TO SAVEPOINT accrue_event`.execute(tx);
        if (err instanceof DeferDelivery && ctx.requeue) {
          deferred.set(err.seconds, [...(deferred.get(err.seconds) ?? []), job.data]);
          results.push(deferredResult(job, err));
          continue;
        }
        const { message, stack } = describeFailure(err);
        if (err instanceof RefuseEvent) {
          logRefused(ctx, job, event, message);
          failures.push({ ...failure(job, event, message, stack, ctx.startedAt), poison: true });
          results.push(refusedResult(job, message, stack));
          continue;
        }
        ctx.log.warn({ subscriber: ctx.subscriber.name, eventId: event.eventId, attempt: job.retryCount + 1, err: { message } }, 'handler failed');
        failures.push(failure(job, event, message, stack, ctx.startedAt));
        results.push(failedResult(job, message, stack));
      }
    }
    await insertFailedAttempts(tx, ctx.queue, ctx.subscriber.name, failures);
    for (const [seconds, payloads] of deferred) await ctx.requeue!(tx, payloads, seconds);
    return { results, effects };
  });
}

/**
 * Runs the effects of committed work, in order. The work is committed, so a failing
 * effect does not fail its job: the handler left it recorded as pending, and its
 * owner's sweep retries it (notifications: the notifications-pending schedule).
 */
async function runAfterCommit(db: Db, ctx: Ctx, effects: readonly AfterCommitEffect[]): Promise<void> {
  for (const effect of effects) {
    try {
      await effect(db);
    } catch (err) {
      recordAfterCommitError(ctx.subscriber.name);
      ctx.log.error({ subscriber: ctx.subscriber.name, err: { message: describeFailure(err).message } }, 'an effect after commit failed; it stays pending and its sweep retries it');
    }
  }
}

async function record(db: Db, ctx: Ctx, failures: readonly AttemptFailure[]): Promise<void> {
  for (const f of failures) {
    if (!f.poison) ctx.log.warn({ subscriber: ctx.subscriber.name, eventId: f.eventId, attempt: f.attempt, err: { message: f.message } }, 'handler failed');
  }
  await insertFailedAttempts(db, ctx.queue, ctx.subscriber.name, failures).catch((e: unknown) =>
    ctx.log.warn({ err: describeFailure(e) }, 'could not record failed attempts'),
  );
}

function failure(job: BatchJob, event: StoredEvent, message: string, stack: string | null, startedAt: Date): AttemptFailure {
  return { jobId: job.id, eventId: event.eventId, eventType: event.type, attempt: job.retryCount + 1, poison: false, message, stack, startedAt };
}

function failedResult(job: BatchJob, message: string, stack: string | null): BatchResult {
  return { id: job.id, status: 'failed', output: { message, stack, attempt: job.retryCount + 1 } };
}

/** Straight to the archive (pg-boss 'deadletter': no retries), marked poison: trying again cannot help. */
function refusedResult(job: BatchJob, message: string, stack: string | null): BatchResult {
  return { id: job.id, status: 'deadletter', output: { message, stack, poison: true, attempt: job.retryCount + 1 } };
}

function logRefused(ctx: Ctx, job: BatchJob, event: StoredEvent, message: string): void {
  ctx.log.error({ subscriber: ctx.subscriber.name, eventId: event.eventId, type: event.type, attempt: job.retryCount + 1, err: { message } }, 'event refused: sent to the failed-job archive');
}

function deferredResult(job: BatchJob, err: DeferDelivery): BatchResult {
  return { id: job.id, status: 'completed', output: { deferredSeconds: err.seconds, reason: err.message } };
}

function byAggregateThenPosition(a: Valid, b: Valid): number {
  const x = a.event;
  const y = b.event;
  if (x.aggregateType !== y.aggregateType) return x.aggregateType < y.aggregateType ? -1 : 1;
  if (x.aggregateId !== y.aggregateId) return x.aggregateId < y.aggregateId ? -1 : 1;
  return x.position - y.position;
}
