import type { Subscriber } from '../contract/subscriber.ts';
import type { Logger } from '../../telemetry/logger.ts';
import type { BusSettings } from '../queues/busSettings.ts';
import type { RelayApplier } from '../relay/relayApplier.ts';
import type { BatchJob } from './batchJob.ts';
import { triageJobs } from './triageJobs.ts';
import { applyInTransaction } from './applyJobs.ts';
import { runAfterCommit } from './runAfterCommit.ts';
import { settleBatchTelemetry, startBatchTelemetry } from './attemptTelemetry.ts';
import { describeFailure } from '../contract/jobFailure.ts';
import { recordRelayApplied } from '../../telemetry/metrics.ts';

/** How long a transaction applying in the relay waits for a lock before the batch goes to jobs. */
export const RELAY_APPLY_LOCK_TIMEOUT_MS = 100;

/**
 * The relay's applier (src/bus/relay/relayApplier.ts) for the subscribers of this
 * process that declare appliesInRelay and call nothing outside the database; none when
 * settings.relay.applyMaxEvents is 0 or no subscriber qualifies. Each event is applied as a worker applies
 * a batch of jobs (applyInTransaction: inbox claim with the subscriber's locks, then
 * handleBatch), with the same attempt spans and metrics; where the subscriber's locks
 * have an SQL text form (batchLocksSql) or it takes none, the relay's claim statement makes
 * that inbox claim itself (inboxInClaim), a round trip less; its job id in telemetry and
 * logs is `relay:<position>`. An event that is no valid event, or any throw, hands the
 * batch to jobs (the relay rolls back), where the worker's rules for it apply.
 */
export function relayApplier(
  subscribers: readonly Subscriber[],
  options: { settings: BusSettings; log: Logger; now?: () => Date; lockTimeoutMs?: number; /** false: each apply claims its inbox in its own statement (default: in the relay's claim where it can). */ inboxInClaim?: boolean },
): RelayApplier | undefined {
  const eligible = subscribers.filter((s) => s.appliesInRelay && !s.external && !s.prepare && !s.queues?.length);
  const maxEvents = options.settings.relay.applyMaxEvents;
  if (maxEvents <= 0 || eligible.length === 0) return undefined;
  const byName = new Map(eligible.map((s) => [s.name, s]));
  const { log } = options;
  const now = options.now ?? (() => new Date());
  const retryLimit = options.settings.queue.retryLimit;
  // A subscriber whose batch locks have no SQL text form claims its inbox in its own statement.
  const inboxInClaim = new Map(
    eligible.flatMap((s) => {
      const locked = s.handleBatch !== undefined && s.batchLocks !== undefined;
      if (locked && !s.batchLocksSql) return [];
      return [[s.name, locked ? s.batchLocksSql!.bind(s) : null] as const];
    }),
  );
  return {
    queues: new Set(byName.keys()),
    maxEvents,
    lockTimeoutMs: options.lockTimeoutMs ?? RELAY_APPLY_LOCK_TIMEOUT_MS,
    inboxInClaim: inboxInClaim.size > 0 && options.inboxInClaim !== false ? inboxInClaim : undefined,
    async apply(tx, queue, stored, { claimed, deferWrite, readPlannedOnce } = {}) {
      const subscriber = byName.get(queue)!;
      const jobs: BatchJob[] = stored.map((event) => ({ id: `relay:${event.position}`, retryCount: 0, data: event }));
      const { poison, events } = triageJobs(jobs);
      if (poison.length > 0) throw poison[0]!.error;
      const telemetry = startBatchTelemetry(events, { queue, subscriber: queue, log, retryLimit });
      const settle = (output?: object) => settleBatchTelemetry(telemetry, jobs, jobs.map((j) => (output ? { id: j.id, status: 'failed', output } : { id: j.id, status: 'completed' })));
      let effects;
      try {
        effects = await applyInTransaction(tx, { subscriber, log, now, telemetry, ...(deferWrite ? { deferWrite } : {}), ...(readPlannedOnce ? { readPlannedOnce } : {}) }, events, claimed);
      } catch (error) {
        settle({ message: `applying in the relay failed, handed to a job: ${describeFailure(error).message}` });
        throw error;
      }
      return {
        async committed(db) {
          settle();
          recordRelayApplied(queue, events.length);
          if (effects.length > 0) await runAfterCommit(db, queue, log, effects, now());
        },
        abandoned(error) {
          settle({ message: `rolled back in the relay, handed to a job: ${describeFailure(error).message}` });
        },
      };
    },
  };
}
