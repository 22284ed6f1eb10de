import type { Enqueue, Subscriber } from '../contract/subscriber.ts';
import type { Db } from '../../db/connect.ts';
import type { Logger } from '../../telemetry/logger.ts';
import type { BatchJob, BatchResult, CompleteInTransaction, Requeue } from './batchJob.ts';
import { triageJobs } from './triageJobs.ts';
import { applyJobs } from './applyJobs.ts';
import { settleJobs } from './settleJobs.ts';
import { runAfterCommit } from './runAfterCommit.ts';
import { settleBatchTelemetry, startBatchTelemetry } from './attemptTelemetry.ts';
import { isBundle } from '../queues/eventBundle.ts';
import { applyBundles, type BundleJob } from './applyBundles.ts';
import type { ReadEventsAt } from './eventReadCache.ts';
import type { AfterCommitEffect } from '../contract/subscriber.ts';

export type { BatchJob, BatchResult, CompleteInTransaction, Requeue } from './batchJob.ts';

/**
 * Applies a batch of one subscriber's jobs and says how each ended, for pg-boss's
 * per-job settlement. Bundle jobs (one per relay batch: src/bus/queues/eventBundle.ts)
 * go in groups of about `eventBudget` events, one transaction each (applyBundles);
 * one-event jobs as one batch: triage (poison out, lock order, duplicates), apply (together,
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
    /** The most events of bundles applied in one transaction (a bigger bundle goes alone). Default 500. */
    eventBudget?: number;
    /** SubscriberContext.enqueue: jobs for the subscriber's own queues, in the handler's transaction. */
    enqueue?: Enqueue;
    /** How bundles' events are read (default readEventsAt): the worker's cache shared by its subscribers. */
    readEvents?: ReadEventsAt;
  },
): Promise<BatchResult[]> {
  const { queue, log, now } = options;
  const startedAt = now();
  const bundles: BundleJob[] = [];
  const singles: BatchJob[] = [];
  for (const job of jobs) (isBundle(job.data) ? bundles.push(job as BundleJob) : singles.push(job));
  const results = new Map<string, BatchResult>();
  const bundleContext = { subscriber, log, now, queue, retryLimit: options.retryLimit, startedAt, complete: options.complete, requeue: options.requeue, enqueue: options.enqueue, readEvents: options.readEvents };
  for (const group of byEventBudget(bundles, options.eventBudget ?? 500)) {
    const applied = await applyBundles(db, bundleContext, group);
    for (const [id, result] of applied.results) results.set(id, result);
    await runEffects(db, subscriber.name, log, applied.effects, now);
  }
  if (singles.length > 0) for (const [id, result] of await applySingles(db, subscriber, singles, { ...options, startedAt })) results.set(id, result);
  return jobs.map((j) => results.get(j.id)!);
}

/** Consecutive bundles of at most `budget` events together (at least one bundle each). */
export function byEventBudget(bundles: readonly BundleJob[], budget: number): BundleJob[][] {
  const groups: BundleJob[][] = [];
  let events = 0;
  for (const bundle of bundles) {
    const size = bundle.data.positions.length;
    const last = groups[groups.length - 1];
    if (last && events + size <= budget) {
      last.push(bundle);
      events += size;
    } else {
      groups.push([bundle]);
      events = size;
    }
  }
  return groups;
}

async function runEffects(db: Db, subscriber: string, log: Logger, effects: readonly AfterCommitEffect[], now: () => Date): Promise<void> {
  if (effects.length > 0) await runAfterCommit(db, subscriber, log, effects, now());
}

async function applySingles(
  db: Db,
  subscriber: Subscriber,
  jobs: readonly BatchJob[],
  options: { queue: string; log: Logger; requeue?: Requeue; complete?: CompleteInTransaction; enqueue?: Enqueue; retryLimit?: number; now: () => Date; startedAt: Date },
): Promise<Map<string, BatchResult>> {
  const { queue, log, now, startedAt } = options;
  const { poison, events } = triageJobs(jobs);
  const telemetry = startBatchTelemetry(events, { queue, subscriber: subscriber.name, log, retryLimit: options.retryLimit });
  const settling = { queue, subscriber: subscriber.name, log, startedAt, requeue: options.requeue };
  const { results, effects } = await applyJobs(db, { subscriber, log, now, telemetry, complete: options.complete, enqueue: options.enqueue }, events, (executor, outcomes, where) =>
    settleJobs(executor, settling, [...poison, ...outcomes], where),
  );
  await runEffects(db, subscriber.name, log, effects, now);
  settleBatchTelemetry(telemetry, jobs, jobs.map((j) => results.get(j.id)!));
  return results;
}
