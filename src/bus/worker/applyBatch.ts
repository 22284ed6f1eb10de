import type { Enqueue, Subscriber } from '../contract/subscriber.ts';
import type { Db } from '../../db/connect.ts';
import type { Logger } from '../../telemetry/logger.ts';
import type { BatchJob, BatchResult, CompleteInTransaction, Requeue } from './batchJob.ts';
import { triageJobs } from './triageJobs.ts';
import { applyJobs } from './applyJobs.ts';
import { settleJobs } from './settleJobs.ts';
import { runAfterCommit } from './runAfterCommit.ts';
import { settleBatchTelemetry, startBatchTelemetry } from './attemptTelemetry.ts';

export type { BatchJob, BatchResult, CompleteInTransaction, Requeue } from './batchJob.ts';

/**
 * Applies a batch of one subscriber's jobs and says how each ended, for pg-boss's
 * per-job settlement: triage (poison out, lock order, duplicates), apply (together,
 * else event by event: applyJobs), settle (the one path from outcomes to results and
 * failed_attempts rows: settleJobs), then the effects of the committed work.
 * Every failed attempt is written to failed_attempts, stamped with the batch's start
 * on the injected clock.
 */
export async function applyBatch(
  db: Db,
  subscriber: Subscriber,
  jobs: readonly BatchJob[],
  options: {
    queue: string;
    log: Logger;
    requeue?: Requeue;
    /** Completes applied jobs inside the batch's transaction; without it pg-boss completes them after commit. */
    complete?: CompleteInTransaction;
    /** The queue's retry limit: tells a retried failure from an archived one in metrics. */
    retryLimit?: number;
    /** The worker's clock: the handlers' SubscriberContext.now and failed attempts' startedAt. */
    now: () => Date;
    /** SubscriberContext.enqueue: jobs for the subscriber's own queues, in the handler's transaction. */
    enqueue?: Enqueue;
  },
): Promise<BatchResult[]> {
  const { queue, log, now } = options;
  const startedAt = now();
  const { poison, events } = triageJobs(jobs);
  const telemetry = startBatchTelemetry(events, { queue, subscriber: subscriber.name, log, retryLimit: options.retryLimit });
  const settling = { queue, subscriber: subscriber.name, log, startedAt, requeue: options.requeue };
  const { results, effects } = await applyJobs(db, { subscriber, log, now, telemetry, complete: options.complete, enqueue: options.enqueue }, events, (executor, outcomes, where) =>
    settleJobs(executor, settling, [...poison, ...outcomes], where),
  );
  if (effects.length > 0) await runAfterCommit(db, subscriber.name, log, effects, now());
  const settled = jobs.map((j) => results.get(j.id)!);
  settleBatchTelemetry(telemetry, jobs, settled);
  return settled;
}
