import type { BusSettings } from './busSettings.ts';
import { ValidationError } from '../../errors.ts';

/**
 * Share of the queue's expiry an external subscriber's batch may spend waiting on
 * outside calls. The rest (20 %) covers what else the batch does while it holds its
 * jobs: the inbox and delivery statements, the breaker's bookkeeping, the commit and
 * pg-boss's own completion round trip.
 */
export const EXTERNAL_EXPIRY_SHARE = 0.8;

/**
 * How many jobs an external subscriber (one that calls HTTP) may take per batch.
 * Its events run one after another in one transaction, each outside call taking up
 * to outboundTimeoutMs, and pg-boss hands a job out again once it has been held for
 * expireInSeconds, while the first holder still has it: 100 jobs x 5 s is 500 s
 * against a 60 s expiry. So the batch is capped at what fits in the expiry
 * (defaults: floor(0.8 x 60 s / 5 s) = 9 jobs). Throws when not even one call fits:
 * that configuration would hand out every slow delivery twice.
 */
export function externalBatchSize(settings: Pick<BusSettings, 'queue' | 'worker'>): number {
  const budgetMs = settings.queue.expireInSeconds * 1000 * EXTERNAL_EXPIRY_SHARE;
  const fits = Math.floor(budgetMs / settings.worker.outboundTimeoutMs);
  if (fits < 1) {
    const message =
      `ACCRUE_OUTBOUND_TIMEOUT_MS (${settings.worker.outboundTimeoutMs} ms) must be at most ${EXTERNAL_EXPIRY_SHARE * 100} % of ` +
      `ACCRUE_QUEUE_EXPIRE_SECONDS (${settings.queue.expireInSeconds} s): a job held through one slow outside call would expire and be handed out again`;
    throw new ValidationError(message, [{ field: 'ACCRUE_OUTBOUND_TIMEOUT_MS', message: 'does not fit in the job expiry' }]);
  }
  return Math.min(settings.worker.batchSize, fits);
}
