import { fromKysely, type PgBoss, type JobWithMetadata } from 'pg-boss';
import type { ScheduledTask, Subscriber } from '../contract/subscriber.ts';
import { connect } from '../../db/connect.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { archiveDeadLetters } from '../archive/archiveDeadLetters.ts';
import type { Config } from '../../config.ts';
import { resolveBusSettings, type BusSettings } from '../queues/busSettings.ts';
import { startBoss } from '../queues/startBoss.ts';
import { ARCHIVE_QUEUE, ensureQueues } from '../queues/ensureQueues.ts';
import { externalBatchSize } from '../queues/externalBatchSize.ts';
import { eventReadCache, recentEventReader } from './eventReadCache.ts';
import { applyBatch } from './applyBatch.ts';
import { registerSubscriptions } from '../contract/subscriptions.ts';
import { runScheduledTasks } from './runScheduledTasks.ts';
import { bossEnqueue, runWorkQueues, workQueueNames } from './runWorkQueues.ts';

export type WorkerHandle = { boss: PgBoss; stop(): Promise<void> };

export type StartWorkerOptions = {
  url: string;
  subscribers: readonly Subscriber[];
  /** Clock-driven tasks that belong to no subscriber (e.g. overdue detection). */
  schedules?: readonly ScheduledTask[];
  /** Bus settings; or pass `config` and they are read from it (busSettings(config)). */
  settings?: BusSettings;
  config?: Config;
  log: Logger;
  /** The subscribers' processing clock (ctx.now, e.g. which months have ended); default the real one. Tests inject one. */
  now?: () => Date;
};

/**
 * Runs every subscriber's queue, the archive queue and the subscribers' schedules
 * until stop(). Batches of worker.batchSize jobs are applied in one transaction
 * each (applyBatch), which also completes the applied jobs (pg-boss `complete` on the
 * batch's connection: one commit per batch); failures are settled per job after it; NOTIFY wakes idle workers, worker.pollSeconds
 * is the backstop (and when retries, whose start is in the future, get picked up).
 * stop() stops fetching, lets in-hand batches finish for up to shutdownTimeoutMs,
 * then closes; a batch it had to abandon comes back after its expiry and applies
 * once thanks to the inbox.
 */
export async function startWorker(options: StartWorkerOptions): Promise<WorkerHandle> {
  const { log, subscribers } = options;
  // The one reading of the system clock: everything below takes it injected.
  const now = options.now ?? (() => new Date());
  const settings = resolveBusSettings(options);
  const { batchSize, concurrency, pollSeconds } = settings.worker;
  // Checked before anything starts: a timeout that does not fit the expiry is a config error.
  const externalSize = subscribers.some((s) => s.external) ? externalBatchSize(settings) : batchSize;
  const queueSlots = subscribers.flatMap((s) => s.queues ?? []).reduce((n, q) => n + q.concurrency, 0);
  const connections = subscribers.length * concurrency + 2;
  const handle = connect(options.url, { max: connections, applicationName: 'accrue-worker', log, customPlans: true });
  // The work queues' loops fetch and complete on pg-boss's pool too.
  const boss = await startBoss(options.url, { role: 'worker', settings, log, max: connections + queueSlots + 2 });
  await ensureQueues(boss, [...subscribers.map((s) => s.name), ...workQueueNames(subscribers)], settings.queue);
  for (const s of subscribers) await s.prepare?.(handle.db, now());
  // Every relay routes by this table, whatever subscribers its own process knows; it
  // also tells relays which subscribers take bundles (all but external ones).
  await registerSubscriptions(handle.db, subscribers, { bundles: true });

  const polling = { pollingIntervalSeconds: pollSeconds, notifyPollingIntervalSeconds: pollSeconds };
  const enqueue = bossEnqueue(boss);
  // Each subscriber gets a bundle of the same relay batch: with two or more, one read of
  // those events serves them all, kept until each subscriber here that takes its type
  // was served it; at most 20 batches' worth (worker.batchSize events each): the
  // subscribers drift apart by more than 4 (docs/performance.md, issue 10).
  const readEvents = recentEventReader(now);
  const bundled = subscribers.filter((s) => !s.external);
  const readersOf = new Map<string, number>();
  for (const s of bundled) for (const type of new Set(s.eventTypes)) readersOf.set(type, (readersOf.get(type) ?? 0) + 1);
  const sharedReads = bundled.length > 1 ? eventReadCache(readEvents, 20 * batchSize, (e) => readersOf.get(e.type) ?? 1) : readEvents;
  for (const subscriber of subscribers) {
    const queueLog = log.child({ subscriber: subscriber.name });
    await boss.work(
      subscriber.name,
      { ...polling, batchSize: subscriber.external ? externalSize : bundleFetchSize(batchSize), localConcurrency: concurrency, perJobResults: true, burstWhenBatchFull: true },
      (jobs) =>
        applyBatch(handle.db, subscriber, jobs, {
          queue: subscriber.name,
          eventBudget: batchSize,
          readEvents: sharedReads,
          log: queueLog,
          retryLimit: settings.queue.retryLimit,
          now,
          complete: (tx, batch, output) =>
            boss.complete(subscriber.name, batch.map(({ id, retryCount }) => ({ id, retryCount })), output, { db: fromKysely(tx) }).then(() => {}),
          enqueue,
          requeue: (tx, payloads, seconds) =>
            boss.insert(subscriber.name, payloads.map((data) => ({ data: data as object, startAfter: seconds })), { db: fromKysely(tx) }).then(() => {}),
        }),
    );
  }
  await boss.work(ARCHIVE_QUEUE, { ...polling, batchSize: 50, includeMetadata: true, perJobResults: true }, (jobs) =>
    archiveDeadLetters(handle.db, jobs.map(toDeadLetter), log),
  );
  await runScheduledTasks(boss, handle.db, subscribers, { polling, log, extra: options.schedules ?? [], now });
  // The subscribers' own queues record their progress with asynchronous commit: a delivery
  // attempt's claim and record are flushed by the synchronous pg-boss completion of its job
  // that follows (WAL is in order); a crash before it undoes both and the job runs again.
  // Webhook deliveries went from ~50 to ~100 a second on this machine (bench: webhooks, --quick, load ~6).
  const queueHandle = queueSlots > 0 ? connect(options.url, { max: queueSlots + 2, applicationName: 'accrue-worker-queues', log, asyncCommit: true }) : undefined;
  const workQueues = await runWorkQueues(boss, queueHandle?.db ?? handle.db, subscribers, { polling, log, now });

  log.info({ subscribers: subscribers.map((s) => s.name), batchSize, externalBatchSize: externalSize, concurrency }, 'worker started');
  let stopping: Promise<void> | undefined;
  return {
    boss,
    stop() {
      stopping ??= (async () => {
        // The subscribers' own queues' loops finish the job in hand first (bounded by the outbound timeout).
        await workQueues.stop();
        await boss.stop({ graceful: true, close: true, timeout: Math.max(settings.shutdownTimeoutMs, 1000) });
        await queueHandle?.close();
        await handle.close();
        log.info('worker stopped');
      })();
      return stopping;
    },
  };
}

/**
 * How many jobs a subscriber that takes bundles fetches at a time. Under load its
 * jobs are bundles of up to a relay batch each (500 events by default), so the
 * fetch is sized in bundles: 50 bundles hold up to 25,000 events, applied
 * worker.batchSize events per transaction (applyBatch's eventBudget), a few
 * seconds of work, well inside the job expiry. When the bus is idle each job holds
 * one event and a fetch of 50 is more than arrives between two fetches.
 */
export function bundleFetchSize(batchSize: number): number {
  return Math.max(1, Math.ceil(batchSize / 10));
}

function toDeadLetter(job: JobWithMetadata<unknown>) {
  return {
    id: job.id,
    retryCount: job.retryCount,
    data: job.data,
    createdOn: job.createdOn,
    sourceName: job.sourceName,
    sourceId: job.sourceId,
    sourceCreatedOn: job.sourceCreatedOn,
    sourceRetryCount: job.sourceRetryCount,
    sourceOutput: job.sourceOutput,
  };
}

