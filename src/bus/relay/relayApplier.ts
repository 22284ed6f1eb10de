import type { CompiledQuery, Transaction } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { Db } from '../../db/connect.ts';
import type { StoredEvent } from '../../events/envelope.ts';
import type { InboxInClaim } from './inboxInClaim.ts';
import type { PlannedRead } from '../contract/subscriber.ts';

/** One subscriber's events applied in the relay's transaction, waiting for its end. */
export type AppliedInRelay = {
  /** The claim's transaction committed: end the attempts, run any after-commit effects (on `db`, the relay's pool). */
  committed(db: Db): Promise<void>;
  /** It rolled back (this or another subscriber's apply threw, or the commit failed): end the attempts; the events go to jobs. */
  abandoned(error: unknown): void;
};

/**
 * Subscribers a relay runs itself (src/bus/worker/applyInRelay.ts builds this from the
 * process's subscribers that declare Subscriber.appliesInRelay). When a relay batch
 * holds at most `maxEvents` events, the relay applies their events for these queues in
 * the transaction that claims them (inbox row and effect, exactly as a worker would)
 * instead of inserting a job: one commit and one hop fewer between an invoice's commit
 * and its ledger entries. A bigger batch (a backlog) still goes to bundles, which the
 * workers apply in parallel. If an apply throws (a lock not granted within
 * `lockTimeoutMs`, a handler error, an invalid event), the whole transaction rolls back
 * and the same relay call moves the batch as jobs, where every per-event rule (retries,
 * backoff, deferral, the archive) applies: applying in the relay is only ever the
 * happy path.
 */
export type RelayApplier = {
  queues: ReadonlySet<string>;
  maxEvents: number;
  /** lock_timeout of a transaction that applies: a lock held longer (a worker's big bundle on the same invoice) sends the batch to jobs instead of stalling the relay. */
  lockTimeoutMs: number;
  /** The queues whose inbox rows (and locks) the claim statement claims itself (src/bus/relay/inboxInClaim.ts). */
  inboxInClaim?: InboxInClaim;
  /**
   * Applies `events` (in position order) for subscriber `queue` inside `tx`; throws to
   * hand the batch to jobs. `claimed`: the claim already claimed their inbox rows with
   * the subscriber's locks, and these ids were new. `deferWrite`, `readPlannedOnce`: SubscriberContext's.
   */
  apply(tx: Transaction<Database>, queue: string, events: readonly StoredEvent[], options?: { claimed?: ReadonlySet<string>; deferWrite?: (query: CompiledQuery) => Promise<void>; readPlannedOnce?: PlannedRead }): Promise<AppliedInRelay>;
};
