import { sql, type CompiledQuery, type Transaction } from 'kysely';
import type { AfterCommitEffect, Enqueue, OutgoingJob, PlannedRead, Subscriber } from '../contract/subscriber.ts';
import type { Db, Executor } from '../../db/connect.ts';
import type { Database } from '../../db/schema.ts';
import type { Logger } from '../../telemetry/logger.ts';
import type { BatchResult, CompleteInTransaction, EventJob, JobOutcome } from './batchJob.ts';
import { claimInbox } from './inboxAndFailures.ts';
import { describeFailure } from '../contract/jobFailure.ts';
import type { SettleWhere } from './settleJobs.ts';
import { handleBatchTraced, handleTraced, type BatchTelemetry } from './attemptTelemetry.ts';

export type ApplyContext = {
  subscriber: Subscriber;
  log: Logger;
  now: () => Date;
  telemetry: BatchTelemetry;
  /** Completes the applied jobs in the transaction that applied them (pg-boss then finds them settled). */
  complete?: CompleteInTransaction;
  /** Adds jobs to the subscriber's own queues (SubscriberContext.enqueue) in the handler's transaction. */
  enqueue?: Enqueue;
  /** SubscriberContext.deferWrite for handleBatch: the relay sends the write with its commit. */
  deferWrite?: (query: CompiledQuery) => Promise<void>;
  /** SubscriberContext.readPlannedOnce for handleBatch: the relay plans the read once per session. */
  readPlannedOnce?: PlannedRead;
};
/** Turns the outcomes into results and writes them with `db` (settleJobs, with the batch's poison). */
export type Settle = (db: Executor, outcomes: readonly JobOutcome[], where: SettleWhere) => Promise<Map<string, BatchResult>>;

/**
 * Applies the batch's events, the inbox row and the handler's effect in one
 * transaction each, so a redelivered event changes nothing (settled 'completed'
 * without calling the handler), and settles them through `settle`.
 * The happy path is one transaction for the whole batch with one inbox statement,
 * when the subscriber has one, one handleBatch call for the fresh events (no
 * savepoints: at 200 events/s most batches hold one event, and every round trip is
 * latency), and the jobs' completion (ctx.complete): one commit for work and jobs. If a handler throws, the batch is rolled back and re-applied event by
 * event with a savepoint each, so one bad event cannot hold back the others; that
 * transaction also holds the settlement's writes. External subscribers always go
 * event by event, so a neighbour's failure never repeats their outside call.
 * Returns the effects a handler asked to run after commit (ctx.afterCommit) of the
 * work that committed: a rolled-back batch or savepoint drops its effects, so
 * re-applying event by event does not repeat them.
 */
export async function applyJobs(db: Db, ctx: ApplyContext, events: readonly EventJob[], settle: Settle): Promise<{ results: Map<string, BatchResult>; effects: AfterCommitEffect[] }> {
  const together = events.length > 0 && (events.length === 1 || !ctx.subscriber.external) ? await applyTogether(db, ctx, events) : undefined;
  if (together?.ok) {
    const applied = events.map(({ job, event }): JobOutcome => ({ kind: 'applied', job, event }));
    return { results: await settle(db, applied, 'afterwards'), effects: together.effects };
  }
  if (together && events.length === 1) {
    // One event: its transaction is already rolled back; no need to run it again.
    const [{ job, event }] = events as [EventJob];
    return { results: await settle(db, [{ kind: 'threw', job, event, error: together.error }], 'afterwards'), effects: [] };
  }
  try {
    return await db.transaction().execute(async (tx) => {
      const { outcomes, effects } = await applyOneByOne(tx, ctx, events);
      const applied = outcomes.flatMap((o) => (o.kind === 'applied' ? [o.job] : []));
      if (ctx.complete && applied.length > 0) await ctx.complete(tx, applied);
      return { results: await settle(tx, outcomes, 'inTransaction'), effects };
    });
  } catch (error) {
    // The transaction itself failed (connection lost, server restart): nothing of the
    // batch committed, so every event is retried. Record the attempts if we still can.
    const lost = events.map(({ job, event }): JobOutcome => ({ kind: 'lost', job, event, error }));
    return { results: await settle(db, lost, 'afterwards'), effects: [] };
  }
}

/** One transaction, one inbox statement; the error if anything threw (all rolled back). */
export async function applyTogether(db: Db, ctx: ApplyContext, events: readonly EventJob[]): Promise<{ ok: true; effects: AfterCommitEffect[] } | { ok: false; error: unknown }> {
  try {
    return { ok: true, effects: await db.transaction().execute((tx) => applyInTransaction(tx, ctx, events)) };
  } catch (error) {
    if (events.length > 1) ctx.log.debug({ err: describeFailure(error), subscriber: ctx.subscriber.name }, 'batch failed; applying event by event');
    return { ok: false, error };
  }
}

/**
 * The batch's work inside a transaction someone else owns (applyTogether's, or the
 * relay's claim: applyInRelay.ts): the inbox claim with the subscriber's locks (or,
 * given `claimed`, the new event ids of the claim the relay's statement made with them), the
 * handler for the fresh events, and the jobs' completion when ctx.complete is given.
 * Returns the effects to run after commit; a throw leaves the rollback to the owner.
 */
export async function applyInTransaction(tx: Transaction<Database>, ctx: ApplyContext, events: readonly EventJob[], claimed?: ReadonlySet<string>): Promise<AfterCommitEffect[]> {
  const effects: AfterCommitEffect[] = [];
  const firsts = events.filter((e) => !e.duplicate);
  const { subscriber } = ctx;
  // A batch subscriber's locks ride on the inbox claim's round trip.
  const locks = !claimed && subscriber.handleBatch && subscriber.batchLocks && firsts.length > 0 ? subscriber.batchLocks(firsts.map((e) => e.event)) : undefined;
  // `claimed`: the relay's claim statement already claimed these events' inbox rows and took the locks (the new ids).
  // Several events: an inbox row committed meanwhile by a concurrent claim fails the batch,
  // which is then applied event by event (claims that skip it): InboxConflict.
  const fresh = claimed ?? (await claimInbox(tx, subscriber.name, firsts.map((e) => e.event.eventId.toLowerCase()), locks, firsts.length > 1 ? 'fail' : 'skip'));
  const handlerCtx = { db: tx, log: ctx.log, now: ctx.now(), afterCommit: (e: AfterCommitEffect) => void effects.push(e), enqueue: enqueueIn(tx, ctx.enqueue) };
  const toHandle = firsts.filter(({ event }) => fresh.has(event.eventId.toLowerCase()));
  if (subscriber.handleBatch) {
    // Same effect as handle() per event, in fewer round trips (revenue: ~6 statements a batch, not ~4.8 an event).
    const batchLocked = locks !== undefined || (claimed !== undefined && subscriber.batchLocks !== undefined);
    if (toHandle.length > 0) await handleBatchTraced(ctx.telemetry, subscriber, toHandle, { ...handlerCtx, batchLocked, ...(ctx.deferWrite ? { deferWrite: ctx.deferWrite } : {}), ...(ctx.readPlannedOnce ? { readPlannedOnce: ctx.readPlannedOnce } : {}) });
  } else {
    for (const { job, event } of toHandle) await handleTraced(ctx.telemetry, subscriber, job, event, handlerCtx);
  }
  // The jobs' completion commits with their work (duplicates and redeliveries included).
  if (ctx.complete) await ctx.complete(tx, events.map((e) => e.job));
  return effects;
}

/**
 * Each event in its own savepoint inside `tx`. A duplicate claims the inbox like any
 * job: after its original committed it changes nothing, after its original failed it
 * is one more try, as a redelivery would be.
 */
async function applyOneByOne(tx: Transaction<Database>, ctx: ApplyContext, events: readonly EventJob[]): Promise<{ outcomes: JobOutcome[]; effects: AfterCommitEffect[] }> {
  const outcomes: JobOutcome[] = [];
  // The effects of events whose savepoint was released; a rolled-back event's are dropped.
  const effects: AfterCommitEffect[] = [];
  let current: AfterCommitEffect[] = [];
  const handlerCtx = { db: tx, log: ctx.log, now: ctx.now(), afterCommit: (e: AfterCommitEffect) => void current.push(e), enqueue: enqueueIn(tx, ctx.enqueue) };
  for (const { job, event } of events) {
    current = [];
    await sql`SAVEPOINT accrue_event`.execute(tx);
    try {
      const fresh = await claimInbox(tx, ctx.subscriber.name, [event.eventId.toLowerCase()]);
      if (fresh.size > 0) await handleTraced(ctx.telemetry, ctx.subscriber, job, event, handlerCtx);
      await sql`RELEASE SAVEPOINT accrue_event`.execute(tx);
      effects.push(...current);
      outcomes.push({ kind: 'applied', job, event });
    } catch (error) {
      await sql`ROLLBACK TO SAVEPOINT accrue_event`.execute(tx);
      outcomes.push({ kind: 'threw', job, event, error });
    }
  }
  return { outcomes, effects };
}

/** SubscriberContext.enqueue bound to the handler's transaction, when the worker can enqueue. */
function enqueueIn(tx: Transaction<Database>, enqueue: Enqueue | undefined): ((queue: string, jobs: readonly OutgoingJob[]) => Promise<void>) | undefined {
  return enqueue ? (queue, jobs) => enqueue(tx, queue, jobs) : undefined;
}
