import type { AfterCommitEffect } from '../contract/subscriber.ts';
import type { Db } from '../../db/connect.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { recordAfterCommitError } from '../../telemetry/metrics.ts';
import { describeFailure } from '../contract/jobFailure.ts';

/**
 * Runs the effects of committed work, in order. The work is committed, so a failing
 * effect does not fail its job: the handler left it recorded as pending, and its
 * owner's sweep retries it (notifications: the notifications-pending schedule).
 */
export async function runAfterCommit(db: Db, subscriber: string, log: Logger, effects: readonly AfterCommitEffect[], now: Date): Promise<void> {
  for (const effect of effects) {
    try {
      await effect(db, now);
    } catch (err) {
      recordAfterCommitError(subscriber);
      log.error({ subscriber, err: { message: describeFailure(err).message } }, 'an effect after commit failed; it stays pending and its sweep retries it');
    }
  }
}
