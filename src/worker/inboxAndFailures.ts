import { sql } from 'kysely';
import type { Executor } from '../db/connect.ts';
import type { AttemptFailure } from './jobFailure.ts';

/**
 * Records (subscriber, eventId) for each event not yet applied and returns the ids
 * that were new: one statement for the whole batch. Inside the effect's
 * transaction this is what makes a second delivery change nothing.
 */
export async function claimInbox(db: Executor, subscriber: string, eventIds: readonly string[]): Promise<Set<string>> {
  if (eventIds.length === 0) return new Set();
  const { rows } = await sql<{ event_id: string }>`
    INSERT INTO inbox (subscriber, event_id)
    SELECT ${subscriber}, id FROM unnest(${eventIds}::uuid[]) AS t(id)
    ON CONFLICT DO NOTHING
    RETURNING event_id`.execute(db);
  return new Set(rows.map((r) => r.event_id));
}

export async function insertFailedAttempts(db: Executor, queue: string, subscriber: string, failures: readonly AttemptFailure[]): Promise<void> {
  if (failures.length === 0) return;
  await db
    .insertInto('failed_attempts')
    .values(
      failures.map((f) => ({
        queue,
        subscriber,
        job_id: f.jobId,
        event_id: f.eventId,
        event_type: f.eventType,
        attempt: f.attempt,
        poison: f.poison,
        error_message: f.message,
        error_stack: f.stack,
        started_at: f.startedAt,
      })),
    )
    .execute();
}
