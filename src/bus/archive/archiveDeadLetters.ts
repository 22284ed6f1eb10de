import type { Executor } from '../../db/connect.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { recordArchiveError } from '../../telemetry/metrics.ts';
import { describeFailure } from '../contract/jobFailure.ts';
import { archiveFailedJobs, type DeadLetterJob } from './archiveFailedJobs.ts';

export type DeadLetterResult = { id: string; status: 'completed' | 'failed'; output?: object };

/**
 * The archive queue's handler: settles each dead-letter copy on its own. A copy is
 * completed only once its row is in failed_job_archive (or was already); one whose
 * insert fails is failed, so pg-boss retries it (the archive queue retries without
 * limit and keeps its jobs past any retention: ensureQueues.ts), with an error log
 * line and accrue_failed_job_archive_errors_total each time. A bad row cannot hold
 * back its neighbours: the batch is tried in one statement, then job by job.
 */
export async function archiveDeadLetters(db: Executor, jobs: readonly (DeadLetterJob & { id: string })[], log: Logger): Promise<DeadLetterResult[]> {
  try {
    const archived = await archiveFailedJobs(db, jobs);
    if (archived > 0) log.warn({ archived }, 'jobs moved to the failed-job archive');
    return jobs.map((j) => ({ id: j.id, status: 'completed' }));
  } catch {
    // Fall through: find which job(s) the statement could not take.
  }
  const results: DeadLetterResult[] = [];
  for (const job of jobs) {
    try {
      if ((await archiveFailedJobs(db, [job])) > 0) log.warn({ archived: 1, jobId: job.sourceId }, 'job moved to the failed-job archive');
      results.push({ id: job.id, status: 'completed' });
    } catch (err) {
      const { message } = describeFailure(err);
      const queue = job.sourceName ?? 'unknown';
      recordArchiveError(queue);
      log.error(
        { jobId: job.sourceId, deadLetterJobId: job.id, queue, attempt: job.retryCount + 1, err: { message } },
        'could not write a failed job into the archive; it stays in the dead-letter queue and is retried',
      );
      results.push({ id: job.id, status: 'failed', output: { message } });
    }
  }
  return results;
}
