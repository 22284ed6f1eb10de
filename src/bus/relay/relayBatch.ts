import type pg from 'pg';
import type { PgBoss } from 'pg-boss';
import { readEventsAt, toStoredEvent } from '../../events/appendEvents.ts';
import type { DbHandle } from '../../db/connect.ts';
import type { SubscriptionRow } from '../contract/subscriptions.ts';
import { bundledQueues, routeEvents, routesFromSubscriptions, unroutedTypes } from './routes.ts';
import { jobsFor } from '../queues/eventBundle.ts';
import { InvariantError } from '../../errors.ts';
import type { StoredEvent } from '../../events/envelope.ts';
import { transactionOnClient } from '../../db/transactionOnClient.ts';
import type { AppliedInRelay, RelayApplier } from './relayApplier.ts';
import { deferredWrites, type DeferredWrites } from './deferredWrites.ts';
import { plannedOnceRead } from './plannedReads.ts';
import { arrayLiteral } from '../../db/unnestRows.ts';
import { executeStatement, LOST_PREPARED_STATEMENT, prepareOnSession, withGenericPlan } from '../../db/sessionStatements.ts';
import { assertInboxClaimsApplied, claimedInboxOf, inboxClaimCtes, inboxColumns, type InboxClaimRow } from './inboxInClaim.ts';

type EventRow = Parameters<typeof toStoredEvent>[0];

/** What the claim returns of an event: `data` is null where the batch's jobs do not carry it (a bundle's). */
type ClaimedRow = Omit<EventRow, 'data'> & { data: EventRow['data'] | null } & InboxClaimRow;

/**
 * The next batch's claim, made in the round trip of this batch's commit: its transaction
 * is open on `client` (checked out of the pool), `results` are the claim's.
 */
export type CarriedClaim = { client: pg.PoolClient; results: pg.QueryResult[] };

export type RelayBatchResult = {
  /** Events moved (applied here or into jobs). */
  moved: number;
  /** The next batch, claimed with this one's commit (options.claimNext): pass it as options.carried. */
  next?: CarriedClaim;
  /** The commit succeeded but the claim sent with it failed: the next batch claims afresh. */
  nextClaimFailed?: unknown;
};

/** A claimed event routed without its data: bundles need only its position and when it was recorded. */
type Unread = { position: number; type: string; recordedAt: string; unread: true };

const columnsOf = (alias: string) =>
  (
    ['position', 'event_id', 'type', 'schema_version', 'aggregate_type', 'aggregate_id', 'aggregate_version', 'occurred_at', 'recorded_at',
      'correlation_id', 'causation_id', 'traceparent', 'actor', 'source', 'external_id'] satisfies (keyof ClaimedRow)[]
  )
    .map((c) => `${alias}.${c}`)
    .join(', ');
const EVENT_COLUMNS = columnsOf('e');

function toClaimedEvent(row: ClaimedRow): StoredEvent | Unread {
  if (row.data !== null) return toStoredEvent(row as EventRow);
  const recordedAt = (row.recorded_at instanceof Date ? row.recorded_at : new Date(row.recorded_at)).toISOString();
  return { position: Number(row.position), type: row.type, recordedAt, unread: true };
}

/**
 * Moves up to `batchSize` committed events from the outbox into pg-boss jobs, in one
 * transaction: for each subscriber, one bundle job holding the batch's events it takes
 * when its worker takes bundles (src/bus/queues/eventBundle.ts), else one job per
 * event. Either way, in one transaction: the claimed outbox rows are deleted and
 * the jobs inserted together, or neither. Rows are claimed in position order with
 * FOR UPDATE SKIP LOCKED, so any number of relays split the backlog without waiting
 * on each other, and a row whose transaction commits late is simply claimed later
 * (an uncommitted row is invisible; no id cursor can skip it); they are deleted by the
 * row addresses the claim locked (a hash join on position read the whole outbox while a
 * backlog drained). Events are read through event_keys (migration 132), which knows each
 * position's month: one partition each. The LATERAL ... OFFSET 0 keep that order and
 * those access paths (each key by its primary key, then each event by its full key,
 * pruned to its partition as the statement runs), whatever the statistics say: a plain
 * join let the planner probe every partition for each position, and hash all of
 * event_keys (a row for every event ever stored) while its statistics were those of a
 * smaller table. With `recentFrom` (recentEventsFrom) the
 * events are looked for only in the partitions from that day on, pruned as the
 * statement starts (a parameter of its generic plan), so its cost does not grow with the
 * months of history; an older
 * one (the relay was down for a month) is read by readEventsAt, a second statement.
 * Returns how many events were moved.
 *
 * Where an event goes is read from the subscriptions table (migration 053) in the
 * same round trip, not from this process's configuration: a relay deployed with an
 * older or different subscriber list still makes a job for every subscriber that any
 * worker registered. An event whose type no subscription takes makes no job (it stays
 * in `events`, the event store); `onUnrouted` hears about it (metric + log line).
 *
 * With an `applier` (src/bus/relay/relayApplier.ts), a batch of at most its maxEvents
 * events is applied here for the subscribers it runs, in this same transaction, instead
 * of making their jobs; their count goes to relay_direct_deliveries in the commit's
 * round trip. If applying throws, the transaction rolls back and the batch is moved
 * again without the applier (jobs), in this call.
 *
 * It runs on a raw pooled client rather than a Kysely transaction so that BEGIN, the
 * commit setting and the claim travel in one simple-protocol round trip: at 200
 * events/s every batch holds about one event, and each round trip is latency. When
 * `claimNext` says there is more to move (a notification came during the batch, or the
 * batch was full), the next batch's BEGIN and claim travel in the commit's round trip
 * too, after the COMMIT: the claim sees everything committed by then, and the loop
 * gets it back as `next` to pass as `carried` (one round trip fewer per batch while
 * batches follow each other, as at 1,000 events/s).
 */
export async function relayBatch(
  handle: Pick<DbHandle, 'pool' | 'db'>,
  boss: PgBoss,
  batchSize: number,
  options: {
    onUnrouted?: (counts: ReadonlyMap<string, number>) => void;
    recentFrom?: string;
    applier?: RelayApplier;
    /** An apply in this batch added outbox rows (the revenue subscriber's own events): there is more to move. */
    onWroteOutbox?: () => void;
    /** Applying in the relay threw and the batch went to jobs instead. */
    onFellBack?: (error: unknown) => void;
    /** A claim made with the previous batch's commit (RelayBatchResult.next), to move instead of claiming. */
    carried?: CarriedClaim;
    /** Asked (with the events this batch moved) just before the commit: whether to claim the next batch in its round trip. */
    claimNext?: (moved: number) => boolean;
  } = {},
): Promise<RelayBatchResult> {
  const limit = Math.max(1, Math.trunc(batchSize)); // an EXECUTE literal: keep it an integer
  // A literal too (the claim travels in the simple protocol): the parameter the plan prunes by as it starts.
  if (options.recentFrom !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(options.recentFrom)) throw new InvariantError(`relay: recentFrom must be a day, got ${options.recentFrom}`);
  const since = options.recentFrom === undefined ? '' : `AND e.recorded_at >= $2::timestamptz`;
  const claimArgs = options.recentFrom === undefined ? [limit] : [limit, `${options.recentFrom}T00:00:00+00`];
  const { applier } = options;
  // Inlined as well; a whole number of ms.
  const lockTimeout = applier ? `SET LOCAL lock_timeout = '${Math.max(1, Math.trunc(applier.lockTimeoutMs))}ms';` : '';
  // Up to this many claimed events, each comes back whole (data included): a batch the
  // applier takes, or a lone event, which becomes a one-event job. A larger batch (a
  // backlog) goes to bundles, which hold positions only: its events come back without
  // their data, which neither the relay nor the bundle reads (the worker reads the events
  // itself), except the types a subscriber takes one job per event for.
  const fullUpTo = applier ? Math.max(1, Math.trunc(applier.maxEvents)) : 1;
  // synchronous_commit off (~1 fsync saved per batch): the relay only moves facts
  // already durable in `events`; a crash before the flush undoes the whole batch
  // (rows back in the outbox, jobs gone), and any worker commit acting on its jobs is
  // flushed after it, which makes this one durable first. The transaction's id comes
  // back once, in the last statement (null when nothing was claimed: an empty poll takes
  // no id): a commit sent with the next claim is looked up by it if that round trip fails.
  const select = `d.position AS claimed, ${EVENT_COLUMNS},
             CASE WHEN count(*) OVER () <= ${fullUpTo}
                    OR EXISTS (SELECT 1 FROM subscriptions s WHERE s.event_type = e.type AND s.takes_bundles IS NOT TRUE)
                  THEN e.data END AS data`;
  const from = `FROM deleted d
      CROSS JOIN LATERAL (SELECT * FROM event_keys k WHERE k.position = d.position OFFSET 0) k
      LEFT JOIN LATERAL (SELECT * FROM events e WHERE e.position = k.position AND e.recorded_at = k.recorded_at ${since} OFFSET 0) e ON true`;
  // With queues whose inbox the claim claims (inboxInClaim.ts), the batch is a CTE the
  // inbox claim reads, after which the statement returns it with what that claim did.
  const inbox = applier?.inboxInClaim;
  const body = inbox
    ? `, batch AS MATERIALIZED (
        SELECT ${select}, count(*) OVER () AS n, bool_and(e.event_id IS NOT NULL) OVER () AS recent
        ${from}
      ), ${inboxClaimCtes(inbox, applier.maxEvents)}
      SELECT b.claimed, ${columnsOf('b')}, b.data, ${inboxColumns('b')}
      FROM batch b ORDER BY b.claimed`
    : `
      SELECT ${select}
      ${from}
      ORDER BY d.position`;
  // The claim is prepared once per session (sessionStatements.ts) and planned once: its
  // text changes only with the relay's settings, and its plan does not depend on its
  // values. The LATERALs fix its access paths, and the events' partitions are pruned as
  // it runs (from recentFrom when it starts, to one partition per key as it reads
  // them), so the generic plan reads what a custom plan for the same values reads; it is
  // asked for around the EXECUTE only (the relay's sessions plan their other statements
  // per call: connect's customPlans). Planning it was ~3 ms of server CPU per batch, as
  // long as running it (docs/performance.md, "Eleventh step (c)").
  const claimText = `WITH claimed AS (
        SELECT ctid FROM outbox ORDER BY position LIMIT $1::int FOR UPDATE SKIP LOCKED
      ), deleted AS (
        DELETE FROM outbox o WHERE o.ctid = ANY(ARRAY(SELECT ctid FROM claimed)) RETURNING o.position
      )${body}`;
  const claimOn = async (on: pg.ClientBase) => `
      BEGIN;
      SET LOCAL synchronous_commit = off;${lockTimeout}
      ${withGenericPlan(executeStatement(await prepareOnSession(on, 'relay_claim', claimText), claimArgs))};
      SELECT subscriber, event_type, takes_bundles FROM subscriptions;
      SELECT pg_current_xact_id_if_assigned()::text AS xid`;
  const { carried } = options;
  const client = carried?.client ?? (await handle.pool.connect());
  let inTransaction = false;
  let broken: Error | undefined;
  let next: CarriedClaim | undefined;
  let nextClaimFailed: unknown;
  const applied: AppliedInRelay[] = [];
  let applyFailed: { error: unknown } | undefined;
  let deferred: DeferredWrites | undefined;
  let discard = false;
  try {
    inTransaction = true;
    let results = carried?.results;
    if (!results) {
      try {
        results = (await client.query(await claimOn(client))) as unknown as pg.QueryResult[];
      } catch (error) {
        if (lostStatement(error)) discard = true;
        // The claim took the applier's locks (inboxInClaim): one not granted in time hands the batch to jobs.
        if (inbox) applyFailed = { error };
        throw error;
      }
    }
    const claimed = results[results.length - 4]!.rows as (ClaimedRow & { claimed: string })[];
    const { xid } = results[results.length - 1]!.rows[0] as { xid: string | null };
    // Claimed events recorded before recentFrom: read by their keys over every partition.
    const older = claimed.filter((r) => r.event_id === null).map((r) => Number(r.claimed));
    const recent = claimed.filter((r) => r.event_id !== null).map(toClaimedEvent);
    // Stored events never change: readEventsAt on the pool reads them as this transaction would.
    const events = older.length === 0 ? recent : [...recent, ...(await readEventsAt(handle.db, older))].sort((a, b) => a.position - b.position);
    let unrouted: Map<string, number> | undefined;
    const direct = applier && events.length <= applier.maxEvents ? applier : undefined;
    const appliedHere: { queue: string; events: readonly StoredEvent[] }[] = [];
    const onClient = direct ? transactionOnClient(client) : undefined;
    deferred = direct ? deferredWrites(client) : undefined;
    if (events.length > 0) {
      const subscriptions = results[results.length - 2]!.rows as SubscriptionRow[];
      const routes = routesFromSubscriptions(subscriptions);
      const bundled = bundledQueues(subscriptions);
      const byQueue = routeEvents(routes, events);
      // Inbox rows the claim took must be for queues this batch applies here, else nothing commits.
      assertInboxClaimsApplied(claimed, new Set([...byQueue.keys()].filter((q) => direct?.queues.has(q))));
      const full = await withData(handle, byQueue, (queue, n) => (direct?.queues.has(queue) ?? false) || !bundled.has(queue) || n < 2, options.recentFrom);
      const db = { executeSql: (text: string, values?: unknown[]) => client.query(text, values) };
      const byPosition = new Map(claimed.map((r) => [Number(r.claimed), r]));
      try {
        for (const [queue, queued] of byQueue) {
          if (direct?.queues.has(queue) && onClient) {
            const stored = queued.map(full);
            const inboxClaimed = claimedInboxOf(queue, queued.map((e) => byPosition.get(e.position)!), claimed);
            const deferWrite = deferred!.defer;
            const readPlannedOnce = plannedOnceRead(client);
            applied.push(await onClient.run((tx) => direct.apply(tx, queue, stored, { ...(inboxClaimed ? { claimed: inboxClaimed } : {}), deferWrite, readPlannedOnce })));
            appliedHere.push({ queue, events: stored });
          } else {
            const jobs = bundled.has(queue) && queued.length > 1 ? jobsFor(queued, true) : jobsFor(queued.map(full), false);
            await boss.insert(queue, jobs.map((data) => ({ data })), { db });
          }
        }
      } catch (error) {
        // With an applier, anything that fails before the commit (a handler, a lock
        // timeout, even a job insert under its lock_timeout) sends the batch to jobs; a
        // session that lost a read's prepared statement is discarded (the next prepares again).
        if (direct) applyFailed = { error };
        if (lostStatement(error)) discard = true;
        throw error;
      }
      unrouted = unroutedTypes(routes, events);
    }
    // What was applied here is counted in the commit's round trip, and made durable
    // before the commit returns (the ledger's facts: synchronous, as a worker's commit is).
    // The writes the applies handed over (deferredWrites) run first in that round trip.
    // The deferred writes and the count are prepared per session (their texts change only
    // with which parts a posting has) and planned once there (their plans read no table
    // by their values: rows from arrays and JSON, written or looked up by their keys).
    // The commit round trip gives one result per statement: the kept writes' results are
    // DEFERRED_FROM on (after the SET LOCAL before them), read by deferred.wroteOutbox.
    const DEFERRED_FROM = 1;
    const commit =
      appliedHere.length > 0
        ? `SET LOCAL plan_cache_mode = force_generic_plan; ${deferred?.text() ?? ''} ${await countApplied(client, appliedHere)}; SET LOCAL synchronous_commit = on; COMMIT`
        : 'COMMIT';
    let committed: pg.QueryResult[] | undefined;
    try {
      if (xid !== null && options.claimNext?.(events.length)) {
        const claim = await claimOn(client);
        try {
          committed = (await client.query(`${commit}; ${claim}`)) as unknown as pg.QueryResult[];
          next = { client, results: committed };
        } catch (error) {
          if (lostStatement(error)) discard = true;
          // The statements ran in order and the rest were skipped after the error: this
          // batch committed only if the error came from the claim after the COMMIT.
          if (!(await committedAnyway(client, xid).catch((e: Error) => ((broken = e), false)))) throw error;
          nextClaimFailed = error;
        }
      } else {
        const answer = (await client.query(commit)) as unknown as pg.QueryResult | pg.QueryResult[];
        committed = Array.isArray(answer) ? answer : [answer];
      }
    } catch (error) {
      // Not committed, and a deferred write was in it (its error, most likely): the batch
      // goes to jobs, as when an apply throws. The session is discarded: which of its
      // statements it prepared no longer matters.
      if (deferred?.any() && !broken) {
        applyFailed = { error };
        discard = true;
      }
      throw error;
    }
    inTransaction = false;
    for (const a of applied) await a.committed(handle.db);
    if (onClient?.wroteOutbox() || deferred?.wroteOutbox(committed?.slice(DEFERRED_FROM))) options.onWroteOutbox?.();
    if (unrouted && unrouted.size > 0) options.onUnrouted?.(unrouted);
    return { moved: events.length, next, nextClaimFailed };
  } catch (err) {
    // Rolls back this batch, or the next batch's claim if this one committed before the throw.
    if ((inTransaction || next) && !broken) await client.query('ROLLBACK').catch((e: Error) => (broken = e));
    next = undefined;
    for (const a of applied) a.abandoned(err);
    if (!applyFailed || broken) throw err;
  } finally {
    // The next batch's claim keeps the client (its transaction is open). A client whose
    // ROLLBACK failed (connection gone) is discarded, not reused.
    if (!next) client.release(broken ?? discard);
  }
  // Applying here threw and everything rolled back: the same batch (or whatever is
  // oldest now) goes to jobs, as a relay without an applier moves it.
  options.onFellBack?.(applyFailed.error);
  return relayBatch(handle, boss, batchSize, { ...options, applier: undefined, carried: undefined });
}

/** The session lost the claim's prepared statement (or it no longer fits the table): the client is discarded, a new one prepares again. */
const lostStatement = (error: unknown) => LOST_PREPARED_STATEMENT.has((error as { code?: string } | null)?.code ?? '');

/**
 * After a round trip of commit + next claim failed: rolls back whatever is open and
 * asks the server whether transaction `xid` committed (pg_xact_status). Throws if the
 * connection is gone (then nobody knows, as with any lost commit).
 */
async function committedAnyway(client: pg.ClientBase, xid: string): Promise<boolean> {
  await client.query('ROLLBACK');
  const { rows } = await client.query<{ status: string | null }>('SELECT pg_xact_status($1::xid8) AS status', [xid]);
  return rows[0]?.status === 'committed';
}

const COUNT_APPLIED = `INSERT INTO relay_direct_deliveries AS d (minute, subscriber, backend_pid, events, lag_ms_sum, lag_ms_max)
      SELECT date_trunc('minute', now()), a.subscriber, pg_backend_pid(), count(*), sum(l.ms), max(l.ms)
      FROM unnest($1::text[], $2::timestamptz[]) AS a(subscriber, recorded_at)
      CROSS JOIN LATERAL (SELECT greatest(0, extract(epoch FROM now() - a.recorded_at) * 1000)::float8 AS ms) l
      GROUP BY a.subscriber
      ON CONFLICT (minute, subscriber, backend_pid) DO UPDATE
      SET events = d.events + excluded.events, lag_ms_sum = d.lag_ms_sum + excluded.lag_ms_sum, lag_ms_max = greatest(d.lag_ms_max, excluded.lag_ms_max)`;

/**
 * The statement that adds a batch's applied events to relay_direct_deliveries (migration
 * 150): per subscriber, how many and their lag (event recorded → this transaction's
 * start, as a job's created_on measures it). Sent in the simple protocol with COMMIT: an
 * EXECUTE of the session's prepared statement (sessionStatements.ts), its arrays
 * literals, escaped.
 */
async function countApplied(client: pg.ClientBase, applied: readonly { queue: string; events: readonly StoredEvent[] }[]): Promise<string> {
  // The claim already read each event's recorded_at: no lookup per event here.
  const rows = applied.flatMap(({ queue, events }) => events.map((e) => [queue, e.recordedAt] as const));
  const name = await prepareOnSession(client, 'relay_count', COUNT_APPLIED);
  return executeStatement(name, [arrayLiteral(rows.map((r) => r[0])), arrayLiteral(rows.map((r) => r[1]))]);
}

/**
 * The events whole, for the queues that need them so (`needs`: the applier's, a queue
 * of one-event jobs, a queue that gets one event of the batch): those the claim returned
 * without data are read in one statement (stored events never change, so the pool reads
 * them as the relay's transaction would). Returns the lookup from a claimed event to the
 * whole one.
 */
async function withData(
  handle: Pick<DbHandle, 'db'>,
  byQueue: ReadonlyMap<string, readonly (StoredEvent | Unread)[]>,
  needs: (queue: string, events: number) => boolean,
  recentFrom: string | undefined,
): Promise<(e: StoredEvent | Unread) => StoredEvent> {
  const unread = new Set<number>();
  for (const [queue, queued] of byQueue) if (needs(queue, queued.length)) for (const e of queued) if ('unread' in e) unread.add(e.position);
  const read = new Map(unread.size === 0 ? [] : (await readEventsAt(handle.db, [...unread], { recentFrom })).map((e) => [e.position, e]));
  return (e) => {
    if (!('unread' in e)) return e;
    const whole = read.get(e.position);
    if (!whole) throw new InvariantError(`relay: event at position ${e.position} was claimed without its data and not read`);
    return whole;
  };
}
