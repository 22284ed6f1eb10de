import { sql, type RawBuilder } from 'kysely';
import type { Executor } from '../../db/connect.ts';
import { executeNamed } from '../../db/preparedStatements.ts';
import { arrayLiteral } from '../../db/unnestRows.ts';
import type { AttemptFailure } from '../contract/jobFailure.ts';

/**
 * Records (subscriber, eventId) for each event not yet applied and returns the ids
 * that were new: one statement for the whole batch. Inside the effect's
 * transaction this is what makes a second delivery change nothing. `locks` (a
 * subscriber's batchLocks) is taken in the same round trip, after the inbox gate.
 */
export async function claimInbox(db: Executor, subscriber: string, eventIds: readonly string[], locks?: RawBuilder<unknown>): Promise<Set<string>> {
  if (eventIds.length === 0) return new Set();
  // The shared lock lets `rebuild` (which takes it exclusively) wait for batches in
  // flight and hold new ones back while it resets; batches never block each other.
  const rows = await executeNamed(
    db,
    'claim_inbox',
    sql<{ event_id: string }>`
    WITH gate AS MATERIALIZED (SELECT pg_advisory_xact_lock_shared(${inboxLockKey(subscriber)})${locks ? sql`, ${locks}` : sql``})
    INSERT INTO inbox (subscriber, event_id)
    SELECT ${subscriber}, id FROM unnest(${arrayLiteral(eventIds)}::uuid[]) AS t(id), gate
    ON CONFLICT DO NOTHING
    RETURNING event_id`,
  );
  return new Set(rows.map((r) => r.event_id));
}

/** Advisory lock key guarding one subscriber's inbox (see claimInbox, rebuildSubscriber). */
export function inboxLockKey(subscriber: string) {
  return sql<number>`hashtext(${'accrue.inbox:' + subscriber})`;
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
