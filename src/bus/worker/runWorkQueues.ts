import { fromKysely, type PgBoss } from 'pg-boss';
import type { Enqueue, Subscriber, WorkQueue, WorkQueueContext } from '../contract/subscriber.ts';
import type { Db } from '../../db/connect.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { describeFailure } from '../contract/jobFailure.ts';

/** SubscriberContext.enqueue / WorkQueueContext.enqueue on `boss`: pg-boss insert on the caller's transaction. */
export function bossEnqueue(boss: PgBoss): Enqueue {
  return async (db, queue, jobs) => {
    if (jobs.length === 0) return;
    const rows = jobs.map((j) => ({
      data: j.data,
      ...(j.startAfterSeconds !== undefined && j.startAfterSeconds > 0 ? { startAfter: j.startAfterSeconds } : {}),
      ...(j.group ? { group: { id: j.group } } : {}),
    }));
    await boss.insert(queue, rows, { db: fromKysely(db as Parameters<typeof fromKysely>[0]) });
  };
}

/** The names of every subscriber's own queues (Subscriber.queues). */
export function workQueueNames(subscribers: readonly Subscriber[]): string[] {
  return subscribers.flatMap((s) => (s.queues ?? []).map((q) => q.name));
}

type Polling = { pollingIntervalSeconds: number; notifyPollingIntervalSeconds: number };

/**
 * Works every subscriber's own queues: `concurrency` jobs at once in this process, one
 * per fetch loop, at most `groupConcurrency` of one group (a loop's fetch skips the
 * groups at their limit), so a group that hangs holds at most that many loops and the
 * others carry on. A loop that got a job fetches again as soon as it is done (a backlog
 * drains at the speed of the handlers); idle loops sleep until a job ends, the queue's
 * NOTIFY or the poll. A handler that throws fails its job: pg-boss retries it.
 *
 * Why not pg-boss work() alone: one loop per registration cannot take a group limit
 * (localGroupConcurrency must not exceed localConcurrency), and a loop taking a batch
 * holds its finished jobs' group slots until its slowest job ends, so one hanging group
 * would stall every group that shared a batch with it. One work() registration stays,
 * as the doorbell: pg-boss wakes it on the queue's NOTIFY (a job inserted by any
 * process); it wakes the loops and takes a job itself (deferred by a second if its group
 * is at the limit, so the limit holds).
 */
export async function runWorkQueues(
  boss: PgBoss,
  db: Db,
  subscribers: readonly Subscriber[],
  options: { polling: Polling; log: Logger; now: () => Date },
): Promise<{ stop(): Promise<void> }> {
  const enqueue = bossEnqueue(boss);
  const runs = await Promise.all(subscribers.flatMap((s) => s.queues ?? []).map((queue) => workQueue(boss, queue, { db, log: options.log.child({ queue: queue.name }), now: options.now, enqueue }, options.polling)));
  return { stop: async () => void (await Promise.all(runs.map((r) => r.stop()))) };
}

async function workQueue(boss: PgBoss, queue: WorkQueue, ctx: WorkQueueContext, polling: Polling): Promise<{ stop(): Promise<void> }> {
  const limit = queue.groupConcurrency ?? Number.POSITIVE_INFINITY;
  const pollMs = polling.pollingIntervalSeconds * 1000;
  const inFlight = new Map<string, number>();
  const atLimit = () => [...inFlight].filter(([, n]) => n >= limit).map(([group]) => group);
  let stopping = false;
  // Idle loops, each waiting for wakeAll() or its poll, whichever comes first.
  const sleepers = new Set<() => void>();
  // When a fetch found no job and nothing woke the loops meanwhile (`woken` unchanged), the
  // queue is empty for all of them until the next poll: a loop whose turn to fetch comes
  // before then sleeps again instead of asking too (an idle queue of 8 loops: about one
  // fetch a poll, not 8). wakeAll() (a job ended, the queue's NOTIFY) lets them all ask.
  let woken = 0;
  let emptyAt: number | undefined;
  const emptyFor = () => (emptyAt === undefined ? 0 : emptyAt + pollMs - performance.now());
  const wakeAll = () => {
    woken++;
    emptyAt = undefined;
    for (const wake of [...sleepers]) wake();
  };
  const idle = (ms: number) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      sleepers.add(wake);
    });

  type Fetched = { id: string; retryCount: number; data: unknown; groupId?: string | null };
  const take = (job: Fetched) => {
    const group = job.groupId ?? null;
    if (group) inFlight.set(group, (inFlight.get(group) ?? 0) + 1);
  };
  // One fetch at a time per process: the groups at their limit are read, the job fetched
  // and counted before the next loop reads them, or two loops could each take the last slot.
  let fetching: Promise<unknown> = Promise.resolve();
  const fetchOne = (): Promise<Fetched | undefined> => {
    const next = fetching.then(async () => {
      if (emptyFor() > 0) return undefined;
      const wokenBefore = woken;
      const [job] = await boss.fetch(queue.name, { batchSize: 1, ignoreGroups: atLimit() });
      if (job) take(job);
      if (job) emptyAt = undefined;
      else if (woken === wokenBefore) emptyAt = performance.now();
      return job;
    });
    fetching = next.catch(() => {});
    return next;
  };
  // `job` was counted by take().
  const handle = async (job: Fetched) => {
    const group = job.groupId ?? null;
    try {
      await queue.work({ id: job.id, retryCount: job.retryCount, data: job.data }, ctx);
    } finally {
      if (group) {
        const n = (inFlight.get(group) ?? 1) - 1;
        if (n > 0) inFlight.set(group, n);
        else inFlight.delete(group);
      }
      wakeAll(); // a slot is free, maybe a group's too
    }
  };

  const loop = async () => {
    while (!stopping) {
      let job: Fetched | undefined;
      try {
        job = await fetchOne();
      } catch (err) {
        if (!stopping) ctx.log.warn({ err: describeFailure(err) }, 'work queue fetch failed');
        await idle(pollMs);
        continue;
      }
      if (!job) {
        await idle(emptyFor() > 0 ? emptyFor() : pollMs);
        continue;
      }
      try {
        await handle(job);
        await boss.complete(queue.name, { id: job.id, retryCount: job.retryCount });
      } catch (err) {
        const failure = describeFailure(err);
        ctx.log.warn({ err: failure, jobId: job.id }, 'work queue job failed; pg-boss retries it');
        await boss.fail(queue.name, { id: job.id, retryCount: job.retryCount }, { message: failure.message }).catch(() => {});
      }
    }
  };
  const loops = Array.from({ length: queue.concurrency }, () => loop());

  await boss.work(queue.name, { ...polling, batchSize: 1 }, async (jobs) => {
    wakeAll();
    for (const job of jobs) {
      const group = job.groupId ?? null;
      // Checked and counted in turn with the loops' fetches (see fetchOne).
      const admitted = fetching.then(() => {
        if (group && (inFlight.get(group) ?? 0) >= limit) return false;
        take(job);
        return true;
      });
      fetching = admitted;
      if (await admitted) await handle(job);
      // Its group is at the limit here: the same job again in a second, not one more in flight.
      else await ctx.enqueue(ctx.db, queue.name, [{ data: job.data as object, group: group!, startAfterSeconds: 1 }]);
    }
  });

  return {
    async stop() {
      stopping = true;
      wakeAll();
      await Promise.all(loops);
    },
  };
}
