import type { PgBoss } from 'pg-boss';
import type { QueuePolicy } from './busSettings.ts';
import { InvariantError } from '../../errors.ts';

/**
 * Failed jobs land here (pg-boss dead letter, copied in the statement that fails
 * the job, expiry included); the archiver moves each into failed_job_archive.
 */
export const ARCHIVE_QUEUE = 'accrue-failed-jobs';

/**
 * A dead-letter copy is completed only once it is in failed_job_archive, and until
 * then it must not go anywhere: retried without limit (every minute at most, with an
 * error log line and a metric each time: archiveDeadLetters.ts), and kept past
 * pg-boss's retention, which deletes jobs still waiting after retentionSeconds
 * (default 14 days) however many retries they have left. int max: pg-boss stores both
 * in int columns (retention: 68 years).
 */
const INT_MAX = 2_147_483_647;
export const ARCHIVE_POLICY = { retryLimit: INT_MAX, retryDelay: 1, retryBackoff: true, retryDelayMax: 60, expireInSeconds: 60, retentionSeconds: INT_MAX };

/**
 * Creates (or brings up to date) one queue per subscriber with the configured policy,
 * NOTIFY on, and the archive queue as dead letter. Safe from many processes at once:
 * pg-boss's create_queue is ON CONFLICT DO NOTHING under an advisory lock.
 */
export async function ensureQueues(boss: PgBoss, names: readonly string[], policy: QueuePolicy): Promise<void> {
  await upsertQueue(boss, ARCHIVE_QUEUE, { ...ARCHIVE_POLICY, notify: true });
  for (const name of names) {
    if (name === ARCHIVE_QUEUE) throw new InvariantError(`queue name ${name} is reserved`);
    await upsertQueue(boss, name, { ...policy, deadLetter: ARCHIVE_QUEUE, notify: true });
  }
}

type Options = QueuePolicy & { deadLetter?: string; notify: boolean; retentionSeconds?: number };

async function upsertQueue(boss: PgBoss, name: string, given: Options): Promise<void> {
  // pg-boss refuses a backoff cap on a queue without backoff (ACCRUE_QUEUE_RETRY_BACKOFF=false).
  const { retryDelayMax, ...rest } = given;
  const options = given.retryBackoff ? given : rest;
  await boss.createQueue(name, options);
  // createQueue leaves an existing queue as it was; config changes apply on restart.
  await boss.updateQueue(name, options);
}
