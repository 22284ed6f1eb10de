import type { Subscriber, SubscriberContext } from '../contract/subscriber.ts';
import type { StoredEvent } from '../../events/envelope.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { attemptEnd, attemptStart, endJobAttempt, startJobAttempt, type AttemptInfo, type AttemptOutcome, type AttemptStart, type HandlerRun, type JobAttempt } from '../../telemetry/instrument.ts';
import { recordArchived } from '../../telemetry/metrics.ts';

type Job = { id: string; retryCount: number };
type Result = { id: string; status: 'completed' | 'failed' | 'deadletter'; output?: object };

/**
 * The telemetry of one applyBatch call, kept beside it so the batch code only calls
 * three functions: each valid job's attempt is a `process {queue}` span from the
 * batch's start, its handler runs as `handle {subscriber}` under it with a logger
 * carrying the event's ids, and the spans end with the batch's per-job results (after
 * the commit or rollback). All in memory: no database round trip is added.
 *
 * What a batch holds until it settles is what the worker's garbage collector pays
 * for: 500 events' attempts wait through the batch's round trips while the other
 * batch in flight allocates, so whatever they hold is copied and promoted. An
 * attempt's span and closures (~2 KB) are therefore made only for a job a handler
 * runs in alone (handleTraced) or first (handleBatchTraced); every other attempt is
 * started and ended at once when the batch settles (endJobAttempt), with the same
 * start time, parent, link, attributes and metrics.
 */
export type BatchTelemetry = {
  queue: string;
  subscriber: string;
  retryLimit: number | undefined;
  log: Logger;
  start: AttemptStart;
  /** The valid jobs and their events, by job id: the jobs that have an attempt. */
  valid: Map<string, { job: Job; event: StoredEvent }>;
  /** The attempts made so far (a handler ran in them). */
  attempts: Map<string, JobAttempt>;
  /** An attempt not made yet: its share of the last handleBatch run it was in. */
  batchRuns: Map<string, HandlerRun>;
};

export function startBatchTelemetry(
  valid: readonly { job: Job; event: StoredEvent }[],
  where: { queue: string; subscriber: string; log: Logger; retryLimit: number | undefined },
): BatchTelemetry {
  return {
    queue: where.queue,
    subscriber: where.subscriber,
    retryLimit: where.retryLimit,
    log: where.log,
    start: attemptStart(),
    valid: new Map(valid.map((v) => [v.job.id, v])),
    attempts: new Map(),
    batchRuns: new Map(),
  };
}

function attemptInfo(telemetry: BatchTelemetry, job: Job): AttemptInfo {
  return { queue: telemetry.queue, subscriber: telemetry.subscriber, jobId: job.id, attempt: job.retryCount + 1 };
}

/** The job's attempt, made now if it was not yet (with the batch run it was in); undefined for a job with no valid event. */
function attemptOf(telemetry: BatchTelemetry, job: Job): JobAttempt | undefined {
  let attempt = telemetry.attempts.get(job.id);
  if (attempt) return attempt;
  const valid = telemetry.valid.get(job.id);
  if (!valid) return undefined;
  attempt = startJobAttempt(attemptInfo(telemetry, valid.job), valid.event, telemetry.log, telemetry.start);
  const run = telemetry.batchRuns.get(job.id);
  if (run) {
    attempt.ranInBatch(run);
    telemetry.batchRuns.delete(job.id);
  }
  telemetry.attempts.set(job.id, attempt);
  return attempt;
}

/** subscriber.handle(event) inside the job's attempt span, with the attempt's logger. */
export function handleTraced(telemetry: BatchTelemetry, subscriber: Subscriber, job: Job, event: StoredEvent, ctx: SubscriberContext): Promise<void> {
  const attempt = attemptOf(telemetry, job);
  if (!attempt) return subscriber.handle(event, ctx);
  return attempt.handle(() => subscriber.handle(event, { ...ctx, log: attempt.log }));
}

/**
 * subscriber.handleBatch(events) as one `handle {subscriber}` span under the first
 * job's attempt (one event: with its logger, as handleTraced); every attempt is
 * charged an equal share of the run's duration, so the handler-duration histogram
 * still counts one observation per event and sums to the time spent.
 */
export async function handleBatchTraced(
  telemetry: BatchTelemetry,
  subscriber: Subscriber,
  items: readonly { job: Job; event: StoredEvent }[],
  ctx: SubscriberContext,
): Promise<void> {
  const first = items.length > 0 ? attemptOf(telemetry, items[0]!.job) : undefined;
  const events = items.map((i) => i.event);
  const started = performance.now();
  let outcome: 'ok' | 'error' = 'error';
  try {
    const run = (log: SubscriberContext['log']) => {
      if (!subscriber.handleBatch) throw new Error(`subscriber ${subscriber.name} has no handleBatch`);
      return subscriber.handleBatch(events, { ...ctx, log });
    };
    await (first ? first.handle(() => run(items.length === 1 ? first.log : ctx.log)) : run(ctx.log));
    outcome = 'ok';
  } finally {
    const run: HandlerRun = { outcome, seconds: (performance.now() - started) / 1000 / Math.max(1, items.length) };
    for (const { job } of items) {
      const attempt = telemetry.attempts.get(job.id);
      if (attempt) attempt.ranInBatch(run);
      else if (telemetry.valid.has(job.id)) telemetry.batchRuns.set(job.id, run);
    }
  }
}

/**
 * Ends every attempt with its job's result. A failed job is retried while its
 * retryCount is below the queue's retryLimit (pg-boss's rule; jobs inherit the
 * queue's limit), otherwise pg-boss sends it to the archive's dead-letter queue.
 * Poison payloads (no valid event, no span) go straight to the archive.
 */
export function settleBatchTelemetry(telemetry: BatchTelemetry, jobs: readonly Job[], results: readonly Result[]): void {
  // The batch settled now: one end time for all its spans.
  const end = attemptEnd(telemetry.start);
  jobs.forEach((job, i) => {
    const result = results[i];
    if (!result) return;
    const valid = telemetry.valid.get(job.id);
    if (!valid) {
      if (result.status === 'deadletter') recordArchived(telemetry.queue, telemetry.subscriber);
      return;
    }
    const outcome = outcomeOf(telemetry, job, result);
    const attempt = telemetry.attempts.get(job.id);
    if (attempt) attempt.end(outcome, end);
    else endJobAttempt(attemptInfo(telemetry, valid.job), valid.event, telemetry.start, telemetry.batchRuns.get(job.id), outcome, end);
  });
}

const NO_OUTPUT = Object.freeze({});
const HANDLED: AttemptOutcome = Object.freeze({ kind: 'handled' });
const DEFERRED: AttemptOutcome = Object.freeze({ kind: 'deferred' });

function outcomeOf(telemetry: BatchTelemetry, job: Job, result: Result): AttemptOutcome {
  const output = (result.output ?? NO_OUTPUT) as { message?: unknown; deferredSeconds?: unknown };
  if (result.status === 'completed') return output.deferredSeconds !== undefined ? DEFERRED : HANDLED;
  const message = typeof output.message === 'string' ? output.message : result.status;
  const retries = telemetry.retryLimit === undefined || job.retryCount < telemetry.retryLimit;
  return { kind: result.status === 'failed' && retries ? 'retry' : 'archived', message };
}
