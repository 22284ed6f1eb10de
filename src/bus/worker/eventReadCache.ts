import type { Executor } from '../../db/connect.ts';
import type { StoredEvent } from '../../events/envelope.ts';
import { readEventsAt } from '../../events/appendEvents.ts';
import { recentEventsFrom } from '../../events/recentEvents.ts';

/** Reads stored events by position (readEventsAt's shape). */
export type ReadEventsAt = (db: Executor, positions: readonly number[]) => Promise<StoredEvent[]>;

/** readEventsAt looking first where events recorded since recentEventsFrom(now()) are: how a worker reads its bundles. */
export function recentEventReader(now: () => Date): ReadEventsAt {
  return (db, positions) => readEventsAt(db, positions, { recentFrom: recentEventsFrom(now()) });
}

/**
 * One read of a relay batch's events for all the subscribers of a worker process.
 * The relay gives each subscriber its own bundle of the same positions, and each
 * bundle's events were read again, once per subscriber (the largest cost after the
 * posting in the all-subscribers drain, docs/performance.md). Stored events never
 * change (append-only, enforced by triggers), so a position read once can be served
 * from memory: this keeps the last `capacity` events read, and a read already in
 * flight for a position is shared, not repeated (the subscribers' bundles of one
 * relay batch usually arrive together). A failed read is forgotten, so the next asks
 * the database again. Only positions the store returned are kept: a missing position
 * stays missing for the caller, who reports it.
 */
export function eventReadCache(read: ReadEventsAt, capacity: number): ReadEventsAt {
  // Insertion order is eviction order (a Map iterates oldest first).
  const known = new Map<number, Promise<StoredEvent | undefined>>();
  const remember = (position: number, event: Promise<StoredEvent | undefined>) => {
    known.delete(position);
    known.set(position, event);
    while (known.size > capacity) known.delete(known.keys().next().value!);
  };
  return async (db, positions) => {
    const wanted = new Map<number, Promise<StoredEvent | undefined>>();
    const missing: number[] = [];
    for (const p of positions) {
      if (wanted.has(p)) continue;
      const cached = known.get(p);
      if (cached) wanted.set(p, cached);
      else missing.push(p);
    }
    if (missing.length > 0) {
      // Shared by every subscriber, so frozen: a handler that changed an event would change it for the others.
      const reading = read(db, missing).then((events) => new Map(events.map((e) => [e.position, deepFreeze(e)])));
      for (const p of missing) {
        const one = reading.then((byPosition) => byPosition.get(p));
        wanted.set(p, one);
        remember(p, one);
        // Forget a failed read, and a position the store did not have.
        one.then(
          (e) => e === undefined && known.get(p) === one && known.delete(p),
          () => known.get(p) === one && known.delete(p),
        );
      }
    }
    const found = await Promise.all(wanted.values());
    return found.filter((e): e is StoredEvent => e !== undefined).sort((a, b) => a.position - b.position);
  };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
