import type { Config } from '../../config.ts';
import { InvariantError } from '../../errors.ts';

/** The queue policy every subscriber queue is created with (pg-boss units: seconds). */
export type QueuePolicy = {
  retryLimit: number;
  retryDelay: number;
  retryBackoff: boolean;
  retryDelayMax: number;
  expireInSeconds: number;
};

/** Everything the relay and workers need to know about the bus, read once from config. */
export type BusSettings = {
  queue: QueuePolicy;
  /** applyMaxEvents: the largest relay batch the relay applies itself for the subscribers it may (relayApplier.ts); 0 never. */
  relay: { batchSize: number; pollMs: number; loops: number; applyMaxEvents: number };
  /** outboundTimeoutMs: the longest one outside call may take; sizes external subscribers' batches (externalBatchSize.ts). */
  worker: { batchSize: number; concurrency: number; pollSeconds: number; outboundTimeoutMs: number };
  /** pg-boss supervise/monitor interval: how soon an expired job goes back to retry. */
  superviseSeconds: number;
  shutdownTimeoutMs: number;
};

export function busSettings(config: Config): BusSettings {
  return {
    queue: {
      retryLimit: config.ACCRUE_QUEUE_RETRY_LIMIT,
      retryDelay: config.ACCRUE_QUEUE_RETRY_DELAY_SECONDS,
      retryBackoff: config.ACCRUE_QUEUE_RETRY_BACKOFF,
      retryDelayMax: config.ACCRUE_QUEUE_RETRY_DELAY_MAX_SECONDS,
      expireInSeconds: config.ACCRUE_QUEUE_EXPIRE_SECONDS,
    },
    relay: { batchSize: config.ACCRUE_RELAY_BATCH_SIZE, pollMs: config.ACCRUE_RELAY_POLL_MS, loops: config.ACCRUE_RELAY_LOOPS, applyMaxEvents: config.ACCRUE_RELAY_APPLY_MAX_EVENTS },
    worker: {
      batchSize: config.ACCRUE_WORKER_BATCH_SIZE,
      concurrency: config.ACCRUE_WORKER_CONCURRENCY,
      pollSeconds: config.ACCRUE_WORKER_POLL_SECONDS,
      outboundTimeoutMs: config.ACCRUE_OUTBOUND_TIMEOUT_MS,
    },
    superviseSeconds: config.ACCRUE_BOSS_SUPERVISE_SECONDS,
    shutdownTimeoutMs: config.ACCRUE_SHUTDOWN_TIMEOUT_MS,
  };
}

/** The settings given, or those read from config: what startRelay/startWorker accept. */
export function resolveBusSettings(options: { settings?: BusSettings; config?: Config }): BusSettings {
  if (options.settings) return options.settings;
  if (options.config) return busSettings(options.config);
  throw new InvariantError('pass bus settings or config');
}
