import { DeferDelivery } from '../contract/deferDelivery.ts';
import { RefuseEvent } from '../contract/refuseEvent.ts';
import type { Executor } from '../../db/connect.ts';
import type { Logger } from '../../telemetry/logger.ts';
import type { BatchJob, BatchResult, JobOutcome, Requeue } from './batchJob.ts';
import { insertFailedAttempts } from './inboxAndFailures.ts';
import { describeFailure, eventIdentity, type AttemptFailure } from '../contract/jobFailure.ts';

export type SettleContext = { queue: string; subscriber: string; log: Logger; startedAt: Date; requeue: Requeue | undefined };

/**
 * Where settlement writes: 'inTransaction' inside the transaction that applied the
 * jobs (a failing write fails that transaction, so nothing half-settles); 'afterwards'
 * on its own once the work committed or rolled back: a deferral that cannot be
 * enqueued becomes a failure, and failed_attempts rows are kept if we still can.
 */
export type SettleWhere = 'inTransaction' | 'afterwards';

/** One job's settlement, before any write: its pg-boss result and its failed_attempts row. */
export type Settlement = { result: BatchResult; failure?: AttemptFailure; deferSeconds?: number; refused?: boolean };

/**
 * The one path from outcomes to pg-boss results and failed_attempts rows:
 * - applied -> 'completed';
 * - poison (no valid event) -> 'deadletter': no retry, straight to the archive, with
 *   the validation error;
 * - threw DeferDelivery (and the queue can requeue) -> 'completed', and the event is
 *   enqueued again to start later (not a failure: no retry count, no archive);
 * - threw RefuseEvent -> 'deadletter' like poison: the event can never apply, so it
 *   goes to the archive with the handler's reason, without retries;
 * - threw anything else, or the transaction was lost -> 'failed': pg-boss retries
 *   with backoff, then archives.
 * Every failure, refusal and poison payload is one failed_attempts row, in outcome order.
 */
export async function settleJobs(db: Executor, ctx: SettleContext, outcomes: readonly JobOutcome[], where: SettleWhere): Promise<Map<string, BatchResult>> {
  const settled = outcomes.map((o) => settleOutcome(o, ctx.startedAt, ctx.requeue !== undefined));
  const deferred = new Map<number, number[]>();
  settled.forEach((s, i) => s.deferSeconds !== undefined && deferred.set(s.deferSeconds, [...(deferred.get(s.deferSeconds) ?? []), i]));
  for (const [seconds, indexes] of deferred) {
    const payloads = indexes.map((i) => outcomes[i]!.job.data);
    if (where === 'inTransaction') {
      await ctx.requeue!(db, payloads, seconds);
      continue;
    }
    const requeued = await ctx.requeue!(db, payloads, seconds).then(() => true, () => false);
    if (!requeued) for (const i of indexes) settled[i] = notRequeued(outcomes[i]!, ctx.startedAt);
  }

  outcomes.forEach((o, i) => {
    const { failure, refused } = settled[i]!;
    if (!failure || o.kind === 'poison') return;
    const fields = { subscriber: ctx.subscriber, eventId: failure.eventId, attempt: failure.attempt, err: { message: failure.message } };
    if (refused) ctx.log.error({ ...fields, type: failure.eventType }, 'event refused: sent to the failed-job archive');
    else ctx.log.warn(fields, 'handler failed');
  });
  const failures = settled.flatMap((s) => (s.failure ? [s.failure] : []));
  const writing = insertFailedAttempts(db, ctx.queue, ctx.subscriber, failures);
  if (where === 'inTransaction') await writing;
  else await writing.catch((e: unknown) => ctx.log.warn({ err: describeFailure(e) }, 'could not record failed attempts'));
  return new Map(settled.map((s) => [s.result.id, s.result]));
}

/** What one outcome means for pg-boss and failed_attempts (pure). */
export function settleOutcome(outcome: JobOutcome, startedAt: Date, canRequeue: boolean): Settlement {
  const { job } = outcome;
  const attempt = job.retryCount + 1;
  if (outcome.kind === 'applied') return { result: { id: job.id, status: 'completed' } };
  const { message, stack } = describeFailure(outcome.error);
  if (outcome.kind === 'poison') {
    return {
      result: { id: job.id, status: 'deadletter', output: { message, poison: true, attempt } },
      failure: { jobId: job.id, ...eventIdentity(job.data), attempt, poison: true, message, stack, startedAt },
    };
  }
  const failure = failureOf(job, outcome.event, message, stack, startedAt);
  // The transaction, not the handler, failed: nothing of the batch committed and every event is retried.
  if (outcome.kind === 'lost') return { result: failedResult(job, message, null), failure };
  const { error } = outcome;
  if (error instanceof DeferDelivery && canRequeue) {
    return { result: { id: job.id, status: 'completed', output: { deferredSeconds: error.seconds, reason: error.message } }, deferSeconds: error.seconds };
  }
  if (error instanceof RefuseEvent) {
    // Straight to the archive (pg-boss 'deadletter': no retries), marked poison: trying again cannot help.
    return { result: { id: job.id, status: 'deadletter', output: { message, stack, poison: true, attempt } }, failure: { ...failure, poison: true }, refused: true };
  }
  return { result: failedResult(job, message, stack), failure };
}

/** A deferral whose requeue failed is an ordinary failure: pg-boss retries the job. */
function notRequeued(outcome: JobOutcome, startedAt: Date): Settlement {
  if (outcome.kind !== 'threw') throw new Error(`only a thrown DeferDelivery is requeued, not ${outcome.kind}`);
  const { message, stack } = describeFailure(outcome.error);
  return { result: failedResult(outcome.job, message, stack), failure: failureOf(outcome.job, outcome.event, message, stack, startedAt) };
}

function failureOf(job: BatchJob, event: { eventId: string; type: string }, message: string, stack: string | null, startedAt: Date): AttemptFailure {
  return { jobId: job.id, eventId: event.eventId, eventType: event.type, attempt: job.retryCount + 1, poison: false, message, stack, startedAt };
}

function failedResult(job: BatchJob, message: string, stack: string | null): BatchResult {
  return { id: job.id, status: 'failed', output: { message, stack, attempt: job.retryCount + 1 } };
}
