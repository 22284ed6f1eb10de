import { sql } from 'kysely';
import type { Executor } from '../../db/connect.ts';
import { eventIdentity } from '../contract/jobFailure.ts';

/** A pg-boss dead-letter copy, as the archive queue's worker fetches it (includeMetadata). */
export type DeadLetterJob = {
  /** The dead-letter copy's own id: the archive key when pg-boss gave no source id. */
  id?: string;
  /** How often archiving this copy has failed before (pg-boss retry_count of the copy). */
  retryCount: number;
  data: unknown;
  createdOn: Date;
  sourceName: string | null;
  sourceId: string | null;
  sourceCreatedOn: Date | null;
  sourceRetryCount: number | null;
  sourceOutput: object | null;
};

/**
 * Writes each failed job into failed_job_archive: once per failed job (job_id is
 * unique), so a dead-letter copy delivered twice archives once. Attempt count and
 * first/last attempt times come from failed_attempts where the attempts reported;
 * a job whose last holder died (expired) falls back to pg-boss's own counters.
 */
export async function archiveFailedJobs(db: Executor, jobs: readonly DeadLetterJob[]): Promise<number> {
  // A copy without its source (not made by pg-boss's dead-lettering) is archived under
  // its own id and queue 'unknown' rather than dropped.
  const rows = jobs
    .filter((j) => j.sourceId ?? j.id)
    .map((j) => {
      const output = unwrapOutput(j.sourceOutput);
      const { eventId, eventType } = eventIdentity(j.data);
      return {
        job_id: (j.sourceId ?? j.id)!,
        queue: j.sourceName ?? 'unknown',
        event_id: eventId,
        event_type: eventType,
        payload: j.data ?? null,
        poison: output.poison === true,
        error_message: typeof output.message === 'string' ? output.message : JSON.stringify(j.sourceOutput ?? 'unknown failure'),
        error_stack: typeof output.stack === 'string' ? output.stack : null,
        attempts: (j.sourceRetryCount ?? 0) + 1,
        created_on: (j.sourceCreatedOn ?? j.createdOn).toISOString(),
      };
    });
  if (rows.length === 0) return 0;
  const result = await sql`
    INSERT INTO failed_job_archive (job_id, queue, subscriber, event_id, event_type, payload, poison,
      error_message, error_stack, attempts, first_attempt_at, last_attempt_at)
    SELECT x.job_id, x.queue, x.queue, x.event_id, x.event_type, COALESCE(x.payload, 'null'::jsonb), x.poison,
      x.error_message, x.error_stack, GREATEST(x.attempts, a.n), COALESCE(a.first_at, x.created_on), COALESCE(a.last_at, now())
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(job_id uuid, queue text, event_id uuid, event_type text,
      payload jsonb, poison boolean, error_message text, error_stack text, attempts int, created_on timestamptz)
    CROSS JOIN LATERAL (
      SELECT count(*)::int AS n, min(started_at) AS first_at, max(failed_at) AS last_at
      FROM failed_attempts f WHERE f.job_id = x.job_id
    ) a
    ON CONFLICT (job_id) DO NOTHING`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

/** pg-boss wraps non-object outputs as { value }; expiry stores { value: { message } }. */
function unwrapOutput(output: object | null): { message?: unknown; stack?: unknown; poison?: unknown } {
  if (!output || typeof output !== 'object') return {};
  const o = output as Record<string, unknown>;
  if (typeof o.message === 'string') return o;
  if (o.value && typeof o.value === 'object') return o.value as Record<string, unknown>;
  return {};
}
