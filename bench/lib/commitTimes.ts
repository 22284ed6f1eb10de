import { sql, type Kysely } from 'kysely';
import type { BacklogSample } from './backlog.ts';

/** An event's commit and its revenue posting's commit, in ms on the server's clock. */
export type CommitTimes = { committed: number; posted: number | null };

/** Whether the server keeps commit timestamps (track_commit_timestamp; the embedded bench server turns it on). */
export async function commitTimestampsKept(db: Kysely<any>): Promise<boolean> {
  const { rows } = await sql<{ setting: string }>`SELECT setting FROM pg_settings WHERE name = 'track_commit_timestamp'`.execute(db);
  return rows[0]?.setting === 'on';
}

/**
 * Each event's commit time and the commit time of the transaction that wrote its
 * revenue inbox row, which is the one that wrote its ledger entries (the inbox row is
 * claimed in the posting's transaction and never updated, so its xmin is that
 * transaction). Read after the run from track_commit_timestamp: nothing is added to the
 * measured transactions. Both instants are taken by the server as it writes the commit
 * record, before the WAL flush, so each misses its own flush and the two roughly
 * cancel. `posted` is null for an event not (yet) posted.
 */
export async function commitTimes(db: Kysely<any>, eventIds: readonly string[]): Promise<Map<string, CommitTimes>> {
  const times = new Map<string, CommitTimes>();
  for (let i = 0; i < eventIds.length; i += 5_000) {
    const ids = eventIds.slice(i, i + 5_000);
    const { rows } = await sql<{ id: string; committed: number; posted: number | null }>`
      SELECT e.event_id::text AS id,
             extract(epoch FROM pg_xact_commit_timestamp(e.xmin))::float8 * 1000 AS committed,
             extract(epoch FROM pg_xact_commit_timestamp(i.xmin))::float8 * 1000 AS posted
      -- The event's key row: written by the event's own insert (events_record_keys), so the
      -- same transaction; one index probe, where events_event_id is probed in every partition.
      FROM event_keys e
      LEFT JOIN inbox i ON i.subscriber = 'revenue' AND i.event_id = e.event_id
      WHERE e.event_id = ANY(${ids}::uuid[])`.execute(db);
    for (const r of rows) times.set(r.id, { committed: r.committed, posted: r.posted });
  }
  return times;
}

/**
 * The backlog every `everyMs` from the first commit to the last: events committed by
 * then and not yet posted, from the commit times alone (what a live count would have
 * seen, without a query during the run).
 */
export function backlogFromCommitTimes(times: Iterable<CommitTimes>, everyMs = 250): BacklogSample[] {
  const committed: number[] = [];
  const posted: number[] = [];
  for (const t of times) {
    committed.push(t.committed);
    if (t.posted !== null) posted.push(t.posted);
  }
  if (committed.length === 0) return [];
  committed.sort((a, b) => a - b);
  posted.sort((a, b) => a - b);
  const first = committed[0]!;
  const last = committed[committed.length - 1]!;
  const samples: BacklogSample[] = [];
  let c = 0;
  let p = 0;
  for (let at = first; at <= last; at += everyMs) {
    while (c < committed.length && committed[c]! <= at) c++;
    while (p < posted.length && posted[p]! <= at) p++;
    samples.push({ atMs: Math.round(at - first), depth: Math.max(0, c - p) });
  }
  return samples;
}
