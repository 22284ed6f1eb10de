import type { Subscriber, SubscriberContext } from '../contract/subscriber.ts';
import type { StoredEvent } from '../../events/envelope.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { startJobAttempt, type AttemptOutcome, type JobAttempt } from '../../telemetry/instrument.ts';
import { recordArchived } from '../../telemetry/metrics.ts';

type Job = { id: string; retryCount: number };
type Result = { id: string; status: 'completed' | 'failed' | 'deadletter'; output?: object };

/**
 * The telemetry of one applyBatch call, kept beside it so the batch code only calls
 * three functions: each valid job gets a `process {queue}` span when the batch
 * starts, its handler runs as `handle {subscriber}` under it with a logger carrying
 * the event's ids, and the spans end with the batch's per-job results (after the
 * commit or rollback). All in memory: no database round trip is added.
 */
export type BatchTelemetry = { attempts: Map<string, JobAttempt>; queue: string; subscriber: string; retryLimit: number | undefined };

export function startBatchTelemetry(
  valid: readonly { job: Job; event: StoredEvent }[],
  where: { queue: string; subscriber: string; log: Logger; retryLimit: number | undefined },
): BatchTelemetry {
  const attempts = new Map<string, JobAttempt>();
  for (const { job, event } of valid) {
    attempts.set(job.id, startJobAttempt({ queue: where.queue, subscriber: where.subscriber, jobId: job.id, attempt: job.retryCount + 1 }, event, where.log));
  }
  return { attempts, queue: where.queue, subscriber: where.subscriber, retryLimit: where.retryLimit };
}

/** subscriber.handle(event) inside the job's attempt span, with the attempt's logger. */
export function handleTraced(telemetry: BatchTelemetry, subscriber: Subscriber, job: Job, event: StoredEvent, ctx: SubscriberContext): Promise<void> {
  const attempt = telemetry.attempts.get(job.id);
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
  const attempts = items.map(({ job }) => telemetry.attempts.get(job.id));
  const first = attempts[0];
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
    const run = { outcome, seconds: (performance.now() - started) / 1000 / Math.max(1, items.length) };
    for (const a of attempts) a?.ranInBatch(run);
  }
}

/**
 * Ends every attempt with its job's result. A failed job is retried while its
 * retryCount is below the queue's retryLimit (pg-boss's rule; jobs inherit the
 * queue's limit), otherwise pg-boss sends it to the archive's dead-letter queue.
 * Poison payloads (no valid event, no span) go straight to the archive.
 */
export function settleBatchTelemetry(telemetry: BatchTelemetry, jobs: readonly Job[], results: readonly Result[]): void {
  jobs.forEach((job, i) => {
    const result = results[i];
    const attempt = telemetry.attempts.get(job.id);
    if (!result) return;
    if (!attempt) {
      if (result.status === 'deadletter') recordArchived(telemetry.queue, telemetry.subscriber);
      return;
    }
    attempt.end(outcomeOf(telemetry, job, result));
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
