import type { Subscriber } from '../contract/subscriber.ts';
import { connect } from '../../db/connect.ts';
import type { Logger } from '../../telemetry/logger.ts';
import type { Config } from '../../config.ts';
import { resolveBusSettings, type BusSettings } from '../queues/busSettings.ts';
import { startBoss } from '../queues/startBoss.ts';
import { ensureQueues } from '../queues/ensureQueues.ts';
import { listenForOutbox } from './listenForOutbox.ts';
import { recentEventsFrom } from '../../events/recentEvents.ts';
import { relayBatch, type CarriedClaim } from './relayBatch.ts';
import { traceRelayBatch } from '../../telemetry/instrument.ts';
import { buildRoutes } from './routes.ts';
import { registerSubscriptions } from '../contract/subscriptions.ts';
import { recordRelayApplyFallback, recordUnrouted } from '../../telemetry/metrics.ts';
import { doublingDelay } from '../../db/backoff.ts';
import { InvariantError } from '../../errors.ts';
import type { RelayApplier } from './relayApplier.ts';

export type RelayHandle = { stop(): Promise<void> };

export type StartRelayOptions = {
  url: string;
  subscribers: readonly Pick<Subscriber, 'name' | 'eventTypes'>[];
  /** Bus settings; or pass `config` and they are read from it (busSettings(config)). */
  settings?: BusSettings;
  config?: Config;
  log: Logger;
  /** Relay loops in this process (default settings.relay.loops); they split the outbox with SKIP LOCKED. */
  loops?: number;
  /** The relay's clock (which months of events its claim looks in first: recentEventsFrom); default the real one. */
  now?: () => Date;
  /** Subscribers this relay applies itself when a batch is small (relayApplier in src/bus/worker/applyInRelay.ts); none: jobs only. */
  applier?: RelayApplier;
};

/**
 * Runs the relay until stop(): wakes on NOTIFY accrue_outbox within milliseconds of
 * a commit, drains the outbox in batches, and polls every relay.pollMs as a
 * fallback (lost notification, listener reconnecting). Database errors (restart,
 * pg_terminate_backend) are logged and retried with backoff; the process never
 * needs a restart. stop() lets the batch in flight commit, then closes.
 */
export async function startRelay(options: StartRelayOptions): Promise<RelayHandle> {
  const { log } = options;
  const now = options.now ?? (() => new Date());
  const settings = resolveBusSettings(options);
  if (options.subscribers.length === 0) {
    // Every event would be marked relayed with nowhere to go.
    throw new InvariantError('relay: no subscribers registered; refusing to drain the outbox into nothing');
  }
  buildRoutes(options.subscribers); // refuses two subscribers with one name
  const loops = Math.max(1, options.loops ?? settings.relay.loops);
  const handle = connect(options.url, { max: loops + 1, applicationName: 'accrue-relay', customPlans: true });
  const boss = await startBoss(options.url, { role: 'relay', settings, log, max: loops + 1 });
  await ensureQueues(boss, options.subscribers.map((s) => s.name), settings.queue);
  // What this process knows joins what the workers registered: routing reads the table.
  await registerSubscriptions(handle.db, options.subscribers);

  // One line per event type per process (customer, payment and operator events have no
  // subscriber by default: a line per batch would drown the log); the metric counts each.
  // Revenue events nothing takes never reach a relay (no outbox row: appendEvents).
  const reported = new Set<string>();
  const onUnrouted = (counts: ReadonlyMap<string, number>) => {
    for (const [type, n] of counts) {
      recordUnrouted(type, n);
      if (reported.has(type)) continue;
      reported.add(type);
      log.info({ eventType: type }, 'no subscription takes this event type: its events make no job and stay in the event store only (logged once per type)');
    }
  };

  let stopped = false;
  // Idle loops, oldest first. A commit wakes one of them, and only while no loop is in a
  // batch: a loop in a batch looks again as soon as it commits (it sees the notification),
  // and takes everything that arrived meanwhile in one batch. A second loop woken then
  // would claim the next events of the invoices the first is applying and wait for their
  // locks (at 1,000 events/s, commit → ledger p95 was ~2x that of one loop at a time,
  // docs/performance.md "Fifth step"). Under a backlog a loop that moved a full batch
  // wakes another to help, so the loops still move a backlog side by side.
  const idle: Array<() => void> = [];
  let notified = 0;
  let inBatch = 0;
  const wakeOne = () => {
    notified++;
    if (inBatch === 0) idle.shift()?.();
  };
  const wakeAnother = () => {
    notified++;
    idle.shift()?.();
  };
  const wakeAll = () => {
    notified++;
    for (const wake of idle.splice(0)) wake();
  };

  // An apply in the relay that appended events (the revenue subscriber's own): look again at once.
  const onWroteOutbox = () => void notified++;
  const onFellBack = (error: unknown) => {
    recordRelayApplyFallback();
    log.debug({ err: { message: (error as Error).message } }, 'applying in the relay failed; the batch went to jobs');
  };

  const runLoop = async () => {
    let failures = 0;
    // The next batch, claimed in the round trip of the last one's commit: it is moved
    // even when stop() was called meanwhile (its transaction is open). What it has seen
    // is counted when its claim is sent: a notification after that may be for rows the
    // claim missed.
    let carried: CarriedClaim | undefined;
    let carriedSeen = 0;
    while (!stopped || carried) {
      const seen = carried ? carriedSeen : notified;
      let moved = 0;
      inBatch++;
      try {
        // More to move: a notification came during the batch (it may be for rows this
        // batch did not see), or the batch was full (a backlog).
        const claimNext = (n: number) => {
          carriedSeen = notified;
          return !stopped && (notified !== seen || n >= settings.relay.batchSize);
        };
        const batch = { carried, claimNext, onUnrouted, recentFrom: recentEventsFrom(now()), applier: options.applier, onWroteOutbox, onFellBack };
        carried = undefined;
        moved = await traceRelayBatch(async () => {
          const result = await relayBatch(handle, boss, settings.relay.batchSize, batch);
          carried = result.next;
          if (result.nextClaimFailed !== undefined) log.warn({ err: { message: (result.nextClaimFailed as Error).message } }, 'relay: claiming the next batch with the commit failed; claiming it afresh');
          return result.moved;
        });
        failures = 0;
      } catch (err) {
        failures++;
        log.warn({ err: { message: (err as Error).message }, failures }, 'relay batch failed; retrying');
      } finally {
        inBatch--;
      }
      if (failures > 0) {
        // Back off 100 ms doubling to 5 s while the database is away; a NOTIFY (or stop) cuts it short.
        await wakeOrTimeout(doublingDelay(failures, 100, 5000));
        continue;
      }
      if (moved >= settings.relay.batchSize) {
        wakeAnother();
        continue;
      }
      if (carried) continue;
      // A notification during the batch may be for rows this batch did not see.
      if (notified !== seen) continue;
      // The poll covers a lost notification. While another loop is in a batch it is not
      // needed: that loop looks again when it commits and sees every notification that
      // came meanwhile. A loop claiming beside it took the next events of the invoices it
      // held and waited for their locks, in batches half the size, and went on carrying
      // claims from then on (at 200 events/s, 80 samples of the relay waiting on advisory
      // locks in a 30 s run: docs/performance.md, "Tenth step").
      let waited = await wakeOrTimeout(settings.relay.pollMs);
      while (waited === 'timeout' && inBatch > 0 && !stopped) waited = await wakeOrTimeout(settings.relay.pollMs);
    }
  };

  /** Waits for a wake-up ('woken': a notification, another loop's full batch, stop) or `ms`. */
  const wakeOrTimeout = (ms: number) =>
    new Promise<'woken' | 'timeout'>((resolve) => {
      const timer = setTimeout(() => done('timeout'), ms);
      const woken = () => done('woken');
      function done(how: 'woken' | 'timeout') {
        clearTimeout(timer);
        const at = idle.indexOf(woken);
        if (at >= 0) idle.splice(at, 1);
        resolve(how);
      }
      idle.push(woken);
    });

  const listener = listenForOutbox(options.url, wakeOne, log);
  const running = Array.from({ length: loops }, () => runLoop());
  log.info({ subscribers: options.subscribers.map((s) => s.name), loops, appliesInRelay: [...(options.applier?.queues ?? [])], applyMaxEvents: options.applier?.maxEvents ?? 0 }, 'relay started');

  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      wakeAll();
      await Promise.all(running);
      await listener.close();
      await boss.stop({ graceful: true, close: true });
      await handle.close();
      log.info('relay stopped');
    },
  };
}

