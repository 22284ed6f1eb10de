import type { AfterCommitEffect } from '../contract/subscriber.ts';
import type { Db } from '../../db/connect.ts';
import type { BatchJob, BatchResult, CompleteInTransaction, Requeue } from './batchJob.ts';
import { recordedSpanOf, type EventBundle } from '../queues/eventBundle.ts';
import { triageJobs } from './triageJobs.ts';
import { applyTogether, type ApplyContext } from './applyJobs.ts';
import { insertFailedAttempts } from './inboxAndFailures.ts';
import { describeFailure } from '../contract/jobFailure.ts';
import { recentEventReader, type ReadEventsAt } from './eventReadCache.ts';
import type { StoredEvent } from '../../events/envelope.ts';
import { settleBatchTelemetry, startBatchTelemetry } from './attemptTelemetry.ts';

/** A bundle job as pg-boss handed it out: its data already known to be a bundle. */
export type BundleJob = BatchJob & { data: EventBundle };

/** One event of a bundle as a job of its own (`<bundle id>/<index>`): its attempt span and logger. */
type MemberJob = BatchJob & { bundle: BundleJob };

// Every member's result when the bundles applied (settleBatchTelemetry reads results by the job's index).
const COMPLETED = Object.freeze({ id: '', status: 'completed' as const });

type BundleContext = Omit<ApplyContext, 'telemetry' | 'complete'> & {
  queue: string;
  /** How the bundles' events are read (default recentEventReader; a worker shares one cache across its subscribers: eventReadCache). */
  readEvents?: ReadEventsAt;
  retryLimit: number | undefined;
  startedAt: Date;
  complete?: CompleteInTransaction;
  requeue?: Requeue;
};

/**
 * Applies bundle jobs (src/bus/queues/eventBundle.ts) the way a batch of one-event
 * jobs is applied: all their events in one transaction, one inbox statement, one
 * handleBatch, and the bundles' completion in the same commit. The events are read
 * from the event store by position first (one statement, outside the transaction:
 * stored events never change). Each event keeps its own attempt span and logger (a
 * member job `<bundle id>/<index>`).
 *
 * A bundle is never half applied. If that transaction fails, or an event is no
 * valid event, the bundles are split: one transaction completes them and enqueues
 * each of their events again as its own job, to start at once; that job then has
 * every per-event guarantee (the event-by-event fallback, retries with backoff,
 * failed_attempts, deferral, the archive). The bundle's own try is not counted as
 * an attempt of its events. If even the split cannot be written (the database is
 * away) the bundles fail with a failed_attempts row each, and pg-boss retries them.
 */
export async function applyBundles(db: Db, ctx: BundleContext, bundles: readonly BundleJob[]): Promise<{ results: Map<string, BatchResult>; effects: AfterCommitEffect[] }> {
  let stored: Map<number, StoredEvent>;
  try {
    const read = ctx.readEvents ?? recentEventReader(ctx.now);
    stored = new Map((await read(db, [...new Set(bundles.flatMap((b) => b.data.positions))], recordedSpanOf(bundles.map((b) => b.data)))).map((e) => [e.position, e]));
  } catch (error) {
    return failBundles(db, ctx, bundles, describeFailure(error));
  }
  const missing = bundles.flatMap((b) => b.data.positions).filter((p) => !stored.has(p));
  if (missing.length > 0) {
    // Not splittable (there is no event to enqueue): retried, then archived with the bundle.
    return failBundles(db, ctx, bundles, { message: `no event at position ${missing.slice(0, 5).join(', ')} in the event store`, stack: null });
  }
  // Each member job knows its bundle (what completes).
  const members: MemberJob[] = [];
  for (const bundle of bundles) bundle.data.positions.forEach((position, i) => members.push({ id: `${bundle.id}/${i}`, retryCount: bundle.retryCount, data: stored.get(position)!, bundle }));
  const { poison, events } = triageJobs(members);
  const telemetry = startBatchTelemetry(events, { queue: ctx.queue, subscriber: ctx.subscriber.name, log: ctx.log, retryLimit: ctx.retryLimit });
  const parents = (jobs: readonly BatchJob[]) => [...new Set(jobs.map((j) => (j as MemberJob).bundle))];
  const complete: CompleteInTransaction | undefined = ctx.complete && ((tx, jobs, output) => ctx.complete!(tx, parents(jobs), output));

  // An outside caller takes one event per job (its relay never bundles; a replayed bundle may still come).
  const applies = !ctx.subscriber.external && poison.length === 0 && events.length > 0;
  const together = applies ? await applyTogether(db, { ...ctx, telemetry, complete }, events) : undefined;
  if (together?.ok) {
    settleBatchTelemetry(telemetry, members, members.map(() => COMPLETED));
    return { results: new Map(bundles.map((b) => [b.id, { id: b.id, status: 'completed' }])), effects: together.effects };
  }

  const reason = together
    ? describeFailure(together.error).message
    : ctx.subscriber.external
      ? 'an external subscriber takes one event per job'
      : poison.length > 0
        ? `an event in the bundle is not valid: ${describeFailure(poison[0]!.error).message}`
        : 'empty bundle';
  const split = await splitBundles(db, ctx, bundles, reason);
  settleBatchTelemetry(telemetry, members, members.map((m) => ({ id: m.id, status: 'failed', output: { message: `bundle ${split.status === 'completed' ? 'split' : 'failed'}: ${reason}` } })));
  return { results: new Map(bundles.map((b) => [b.id, { ...split, id: b.id }])), effects: [] };
}

/** Completes the bundles and enqueues their events one job each, in one transaction; or fails them. */
async function splitBundles(db: Db, ctx: BundleContext, bundles: readonly BundleJob[], reason: string): Promise<Omit<BatchResult, 'id'>> {
  const fields = { subscriber: ctx.subscriber.name, bundles: bundles.length, events: bundles.reduce((n, b) => n + b.data.positions.length, 0), err: { message: reason } };
  try {
    if (!ctx.requeue) throw new Error('this worker cannot enqueue jobs (no requeue given): the bundle is retried whole');
    const { requeue, complete } = ctx;
    // Each event's job carries it as stored: read again, since a shared read (eventReadCache)
    // hands out the validated form (upcast, defaults filled in). Stored events never change.
    const positions = [...new Set(bundles.flatMap((b) => b.data.positions))];
    const stored = new Map((await recentEventReader(ctx.now)(db, positions, recordedSpanOf(bundles.map((b) => b.data)))).map((e) => [e.position, e]));
    const events = bundles.flatMap((b) => b.data.positions.map((p) => stored.get(p) ?? missingEvent(p)));
    await db.transaction().execute(async (tx) => {
      await requeue(tx, events, 0);
      await complete?.(tx, bundles, { split: true, reason });
    });
    ctx.log.info(fields, 'bundle split into one job per event after it failed as a whole');
    return { status: 'completed', output: { split: true, reason } };
  } catch (error) {
    const { message, stack } = describeFailure(error);
    ctx.log.warn({ ...fields, splitError: message }, 'bundle could not be split; pg-boss retries it whole');
    return failedBundles(db, ctx, bundles, { message: `${reason}; split failed: ${message}`, stack });
  }
}

function missingEvent(position: number): never {
  throw new Error(`no event at position ${position} in the event store`);
}

/** The bundles' attempt failed as a whole: one failed_attempts row each (no event id), and pg-boss retries them. */
async function failedBundles(db: Db, ctx: BundleContext, bundles: readonly BundleJob[], failure: { message: string; stack: string | null }): Promise<Omit<BatchResult, 'id'>> {
  const { message, stack } = failure;
  const rows = bundles.map((b) => ({ jobId: b.id, eventId: null, eventType: null, attempt: b.retryCount + 1, poison: false, message, stack, startedAt: ctx.startedAt }));
  await insertFailedAttempts(db, ctx.queue, ctx.subscriber.name, rows).catch((e: unknown) => ctx.log.warn({ err: describeFailure(e) }, 'could not record failed attempts'));
  return { status: 'failed', output: { message, stack, attempt: bundles[0]!.retryCount + 1 } };
}

async function failBundles(db: Db, ctx: BundleContext, bundles: readonly BundleJob[], failure: { message: string; stack: string | null }) {
  ctx.log.warn({ subscriber: ctx.subscriber.name, bundles: bundles.length, err: { message: failure.message } }, 'bundle could not be read; pg-boss retries it');
  const result = await failedBundles(db, ctx, bundles, failure);
  return { results: new Map(bundles.map((b) => [b.id, { ...result, id: b.id }])), effects: [] as AfterCommitEffect[] };
}
