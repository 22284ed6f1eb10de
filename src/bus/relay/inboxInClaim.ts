import { InvariantError } from '../../errors.ts';
import { quoteLiteral } from '../../db/sessionStatements.ts';

/**
 * The queues whose inbox rows a relay's claim statement may claim itself, with each
 * one's locks (Subscriber.batchLocksSql) as SQL text over a relation of the batch's
 * events, or null when it takes none: src/bus/worker/applyInRelay.ts builds it.
 */
export type InboxInClaim = ReadonlyMap<string, ((relation: string) => string) | null>;

/** A string as an SQL literal (the claim travels in the simple protocol), as the relay's other literals. */
const literal = quoteLiteral;

/**
 * The CTEs that, in the relay's claim statement, claim the inbox rows of a batch the
 * relay will apply, exactly as claimInbox does in its own statement (the subscriber's
 * shared inbox lock, then its locks, then the rows, ON CONFLICT DO NOTHING), one round
 * trip less per batch. They need the CTE `batch` (the claimed events: claimed, event_id,
 * type, aggregate_id, and `n`, the batch's size, `recent`, every event found), and act
 * only on a batch of at most `maxEvents` events whose every event was found (else the
 * applier's own claimInbox runs, or the batch goes to jobs, as without them). Adds CTEs
 * `applying` (event × queue it is claimed for) and `inboxed` (the new inbox rows), read by
 * the columns of inboxColumns(). Queues are taken in name order, each its gate and locks
 * before its rows.
 */
export function inboxClaimCtes(inbox: InboxInClaim, maxEvents: number): string {
  const queues = [...inbox.keys()].sort();
  if (queues.length === 0) throw new InvariantError('relay: an inbox claim with no queue');
  const applying = `applying AS MATERIALIZED (
        SELECT b.claimed, b.event_id, b.type, b.aggregate_id, s.subscriber
        FROM batch b JOIN subscriptions s ON s.event_type = b.type
        WHERE s.subscriber IN (${queues.map(literal).join(', ')}) AND b.n <= ${Math.trunc(maxEvents)} AND b.recent)`;
  const gates = queues.map((queue, i) => {
    const mine = `(SELECT * FROM applying WHERE subscriber = ${literal(queue)})`;
    const locks = inbox.get(queue);
    return `gate_${i} AS MATERIALIZED (
        SELECT pg_advisory_xact_lock_shared(hashtext(${literal(`accrue.inbox:${queue}`)}))${locks ? `, ${locks(mine)}` : ''}
        FROM (SELECT 1 FROM applying WHERE subscriber = ${literal(queue)} LIMIT 1) one)`;
  });
  const rows = queues.map((queue, i) => `SELECT a.subscriber, a.event_id FROM applying a, gate_${i} WHERE a.subscriber = ${literal(queue)}`);
  return `${applying},
      ${gates.join(',\n      ')},
      inboxed AS (
        INSERT INTO inbox (subscriber, event_id)
        ${rows.join('\n        UNION ALL ')}
        ON CONFLICT DO NOTHING
        RETURNING subscriber, event_id)`;
}

/** The claim's columns, per event, of what inboxClaimCtes did: the queues it was claimed for, and those whose row was new. */
export const inboxColumns = (row: string) =>
  `ARRAY(SELECT a.subscriber FROM applying a WHERE a.claimed = ${row}.claimed) AS inbox_claimed,
             ARRAY(SELECT i.subscriber FROM inboxed i WHERE i.event_id = ${row}.event_id) AS inbox_new`;

/** What a claimed row says of its inbox claim (null: the claim had no inbox part). */
export type InboxClaimRow = { event_id: string | null; inbox_claimed?: string[] | null; inbox_new?: string[] | null };

/**
 * For `queue`, applied in the relay with `rows` of the claim's rows `all`: the ids (lower
 * case) whose inbox row the claim made new, when the claim claimed every one of them for
 * the queue; undefined when it claimed none (the apply claims them itself). Throws when
 * it claimed some only, or a row for a queue nobody applies (see unappliedInboxClaims):
 * the transaction must then roll back, as the inbox rows would say applied what was not.
 */
export function claimedInboxOf(queue: string, rows: readonly InboxClaimRow[], all: readonly InboxClaimRow[]): Set<string> | undefined {
  const claimed = all.filter((r) => r.inbox_claimed?.includes(queue)).length;
  if (claimed === 0) return undefined;
  const mine = rows.filter((r) => r.inbox_claimed?.includes(queue)).length;
  if (claimed !== rows.length || mine !== rows.length) throw new InvariantError(`relay: the claim took the inbox rows of ${claimed} events for ${queue}, which applies ${rows.length} (${mine} of them claimed)`);
  return new Set(rows.flatMap((r) => (r.inbox_new?.includes(queue) ? [r.event_id!.toLowerCase()] : [])));
}

/** Throws if the claim claimed inbox rows for a queue outside `applied` (then nothing may commit). */
export function assertInboxClaimsApplied(rows: readonly InboxClaimRow[], applied: ReadonlySet<string>): void {
  for (const r of rows) for (const q of r.inbox_claimed ?? []) if (!applied.has(q)) throw new InvariantError(`relay: the claim took an inbox row for ${q}, which this batch does not apply`);
}
