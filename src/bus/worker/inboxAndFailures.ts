import { sql, type RawBuilder } from 'kysely';
import type { Executor } from '../../db/connect.ts';
import { executeNamed } from '../../db/preparedStatements.ts';
import { arrayLiteral } from '../../db/unnestRows.ts';
import type { AttemptFailure } from '../contract/jobFailure.ts';

/**
 * What a claim does with an event whose inbox row another transaction commits while the
 * claim runs: 'skip' it (ON CONFLICT DO NOTHING), or 'fail' (unique_violation, and the
 * caller's transaction rolls back). Both apply each event at most once: the primary key
 * decides. 'fail' writes no speculative insertion, whose confirmation is a third WAL
 * record per row (3 → 2 records and ~276 → ~227 bytes a row, ~9 % less backend CPU): the
 * worker's batches of several events use it, whose failure falls back to event by event
 * (one-by-one, or a bundle's split), where each claim skips. 'fail' reads the inbox as
 * of the statement's start, before its gate waits: an event whose row `rebuild` deletes
 * meanwhile is left out, as applied, and the rebuild's own replay of it applies it.
 */
export type InboxConflict = 'skip' | 'fail';

/**
 * Records (subscriber, eventId) for each event not yet applied and returns the ids
 * that were new: one statement for the whole batch. Inside the effect's
 * transaction this is what makes a second delivery change nothing. `locks` (a
 * subscriber's batchLocks) is taken in the same round trip, after the inbox gate.
 */
export async function claimInbox(db: Executor, subscriber: string, eventIds: readonly string[], locks?: RawBuilder<unknown>, conflict: InboxConflict = 'skip'): Promise<Set<string>> {
  if (eventIds.length === 0) return new Set();
  // The shared lock lets `rebuild` (which takes it exclusively) wait for batches in
  // flight and hold new ones back while it resets; batches never block each other.
  const gate = sql`gate AS MATERIALIZED (SELECT pg_advisory_xact_lock_shared(${inboxLockKey(subscriber)})${locks ? sql`, ${locks}` : sql``})`;
  const ids = sql`unnest(${arrayLiteral(eventIds)}::uuid[]) AS t(id)`;
  const rows = await executeNamed(
    db,
    conflict === 'skip' ? 'claim_inbox' : 'claim_inbox_new',
    conflict === 'skip'
      ? sql<{ event_id: string }>`
    WITH ${gate}
    INSERT INTO inbox (subscriber, event_id)
    SELECT ${subscriber}, id FROM ${ids}, gate
    ON CONFLICT DO NOTHING
    RETURNING event_id`
      : // OFFSET 0 keeps the NOT EXISTS a probe of the primary key per id: never an anti-join over the inbox.
        sql<{ event_id: string }>`
    WITH ${gate}
    INSERT INTO inbox (subscriber, event_id)
    SELECT ${subscriber}, id FROM ${ids}, gate
    WHERE NOT EXISTS (SELECT FROM inbox i WHERE i.subscriber = ${subscriber} AND i.event_id = t.id OFFSET 0)
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
