import type { Executor } from '../../db/connect.ts';
import { shareStoredEvent, type StoredEvent } from '../../events/envelope.ts';
import { readEventsAt } from '../../events/appendEvents.ts';
import { recentEventsFrom } from '../../events/recentEvents.ts';
import type { RecordedSpan } from '../queues/eventBundle.ts';

/** Reads stored events by position (readEventsAt's shape), looking first within `recorded` if given (their bundles' span). */
export type ReadEventsAt = (db: Executor, positions: readonly number[], recorded?: RecordedSpan) => Promise<StoredEvent[]>;

/**
 * readEventsAt as a worker reads its bundles: by their span of recorded_at when the
 * bundles carry one, and the rest looking first where events recorded since
 * recentEventsFrom(now()) are.
 */
export function recentEventReader(now: () => Date): ReadEventsAt {
  return (db, positions, recorded) => readEventsAt(db, positions, { recentFrom: recentEventsFrom(now()), ...(recorded ? { recorded } : {}) });
}

type Found = ReadonlyMap<number, StoredEvent>;
type Entry = { read: Promise<Found>; served: number };

/**
 * One read of a relay batch's events for all the subscribers of a worker process.
 * The relay gives each subscriber its own bundle of the same positions, and each
 * bundle's events were read again, once per subscriber (the largest cost after the
 * posting in the all-subscribers drain, docs/performance.md). Stored events never
 * change (append-only, enforced by triggers), so a position read once can be served
 * from memory, validated once for every subscriber (shareStoredEvent: frozen, so one
 * subscriber cannot change what another reads); a read already in flight for a
 * position is shared, not repeated (the subscribers' bundles of one relay batch
 * usually arrive together).
 *
 * An event is kept until `readers(event)` callers were served it (the subscribers of
 * this process that take its type: each reads it once, unless its bundle is retried),
 * and at most the last `capacity` events are kept, oldest out first (a subscriber
 * another process serves never asks). The subscribers do not keep pace: revenue
 * lagged analytics by more than 2,000 events in a drain, and each event it asked
 * for again was read and validated again. A failed read is forgotten, so the next
 * asks the database again. Only positions the store returned are kept: a missing
 * position stays missing for the caller, who reports it.
 */
export function eventReadCache(read: ReadEventsAt, capacity: number, readers: (event: StoredEvent) => number = () => Number.POSITIVE_INFINITY): ReadEventsAt {
  // Insertion order is eviction order (a Map iterates oldest first).
  const known = new Map<number, Entry>();
  const remember = (position: number, entry: Entry) => {
    known.delete(position);
    known.set(position, entry);
    while (known.size > capacity) known.delete(known.keys().next().value!);
  };
  const forget = (position: number, entry: Entry) => {
    if (known.get(position) === entry) known.delete(position);
  };
  return async (db, positions, recorded) => {
    // Each position asked, with the entry serving it (one per read, shared by its positions).
    const asked = new Map<number, Entry>();
    const missing: number[] = [];
    for (const p of positions) {
      if (asked.has(p)) continue;
      const cached = known.get(p);
      if (cached) {
        cached.served++;
        asked.set(p, cached);
      } else missing.push(p);
    }
    if (missing.length > 0) {
      // The span (of the bundles that carry one) is a first place to look; readEventsAt finds the rest through event_keys.
      const reading = read(db, missing, recorded).then((events) => new Map(events.map((e) => [e.position, shareStoredEvent(e)])));
      for (const p of missing) {
        const entry = { read: reading, served: 1 };
        asked.set(p, entry);
        remember(p, entry);
      }
      // Forget a failed read (the callers awaiting it get its error).
      reading.catch(() => {
        for (const p of missing) forget(p, asked.get(p)!);
      });
    }
    const reads = [...new Set(Array.from(asked.values(), (e) => e.read))];
    const found = new Map(reads.map((r, i) => [r, i]));
    const results = await Promise.all(reads);
    const events: StoredEvent[] = [];
    for (const [p, entry] of asked) {
      const event = results[found.get(entry.read)!]!.get(p);
      // A position the store did not have is forgotten; an event every reader was served leaves.
      if (event === undefined || entry.served >= readers(event)) forget(p, entry);
      if (event !== undefined) events.push(event);
    }
    return events.sort((a, b) => a.position - b.position);
  };
}
