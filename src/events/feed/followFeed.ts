import type { Db } from '../../db/connect.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { compareCursors, laterCursor, type FeedCursor } from './feedCursor.ts';
import { readFeed, type FeedEvent, type FeedFilter, type FeedPage } from './readFeed.ts';

/** Calls `onWake` when events may have been committed (the outbox NOTIFY); close() stops it. */
export type WakeSource = (onWake: () => void) => { close(): Promise<void> };

export type FeedFollowers = {
  /**
   * Hands every event after `from` that passes `filter` to `deliver`, in feed order,
   * one at a time, until `signal` aborts or the hub closes. Rejects when a read fails.
   */
  follow(from: FeedCursor, filter: FeedFilter, deliver: (e: FeedEvent) => Promise<void>, signal: AbortSignal): Promise<void>;
  /** Reads so far: the shared reader's, and followers' own while catching up. */
  stats(): { sharedReads: number; catchUpReads: number; detached: number; live: number };
  close(): Promise<void>;
};

type Follower = {
  cursor: FeedCursor;
  filter: FeedFilter;
  queue: FeedEvent[];
  detached: boolean;
  wake?: () => void;
};

export type FeedFollowersOptions = {
  db: Db;
  /** One LISTEN for the process (bus/relay/listenForOutbox.ts); started with the first live follower. */
  listen?: WakeSource;
  /** Backstop read while anyone follows: events held back by an older transaction that wrote none arrive this late. */
  pollMs: number;
  pageSize?: number;
  /** A follower further behind than this many events leaves the shared reader and catches up on its own. */
  maxQueued?: number;
  log: Logger;
};

export function matchesFilter(filter: FeedFilter, e: FeedEvent): boolean {
  if (filter.types && filter.types.length > 0 && !filter.types.includes(e.event.type)) return false;
  return filter.aggregateId === undefined || e.event.aggregateId === filter.aggregateId;
}

/**
 * Many live readers of the feed (SSE streams) on one reader per process. A follower
 * first catches up with its own paged reads; once level with the shared reader it
 * joins it and only receives: each wake-up (the outbox NOTIFY, or the backstop poll)
 * reads the new rows once and hands them to every live follower, so a thousand open
 * streams cost one query per wake-up, not a thousand. A follower that cannot keep up
 * (a slow client) is dropped back to reading on its own, so it never holds memory
 * without bound nor slows the others.
 */
export function createFeedFollowers(options: FeedFollowersOptions): FeedFollowers {
  const { db, log, pollMs } = options;
  const pageSize = options.pageSize ?? 500;
  const maxQueued = options.maxQueued ?? 5000;
  const live = new Set<Follower>();
  let head: FeedCursor | undefined;
  let reading = false;
  let again = false;
  let closed = false;
  let listener: { close(): Promise<void> } | undefined;
  let poll: NodeJS.Timeout | undefined;
  const counts = { sharedReads: 0, catchUpReads: 0, detached: 0 };

  const dispatch = (page: FeedPage) => {
    for (const f of live) {
      for (const e of page.events) if (compareCursors(e.cursor, f.cursor) > 0 && matchesFilter(f.filter, e)) f.queue.push(e);
      f.cursor = laterCursor(f.cursor, page.nextCursor);
      if (f.queue.length > maxQueued) {
        f.detached = true;
        live.delete(f);
        counts.detached++;
      }
      f.wake?.();
    }
  };

  // Events held back behind an older transaction: look again after 20 ms, doubling up
  // to the poll, instead of waiting for the poll (the transaction that holds them back
  // may have written no events, so no NOTIFY comes when it ends).
  let heldBackRetry: NodeJS.Timeout | undefined;
  let heldBackTries = 0;
  const readShared = async () => {
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    let heldBack = false;
    try {
      do {
        again = false;
        while (live.size > 0 && head && !closed) {
          counts.sharedReads++;
          const page = await readFeed(db, { after: head, limit: pageSize });
          dispatch(page);
          head = laterCursor(head, page.nextCursor);
          heldBack = page.heldBack;
          if (page.events.length < pageSize) break;
        }
      } while (again && live.size > 0 && !closed);
      clearTimeout(heldBackRetry);
      heldBackTries = heldBack ? heldBackTries + 1 : 0;
      if (heldBack && !closed) heldBackRetry = setTimeout(wake, Math.min(pollMs, 20 * 2 ** (heldBackTries - 1)));
    } catch (err) {
      log.warn({ err }, 'event feed read failed; retrying at the next wake-up or poll');
    } finally {
      reading = false;
    }
  };
  const wake = () => void readShared();

  const start = () => {
    if (poll || closed) return;
    listener = options.listen?.(wake);
    poll = setInterval(() => {
      if (live.size > 0) wake();
    }, pollMs);
    poll.unref();
  };

  /** Joins the shared reader if the follower is level with it; false: catch up more first. */
  const join = (f: Follower): boolean => {
    if (head === undefined || (live.size === 0 && !reading)) head = f.cursor;
    if (compareCursors(f.cursor, head) < 0) return false;
    live.add(f);
    start();
    wake();
    return true;
  };

  return {
    async follow(from, filter, deliver, signal) {
      let cursor = from;
      while (!signal.aborted && !closed) {
        // Catch up on our own until level with the shared reader.
        for (;;) {
          counts.catchUpReads++;
          const page = await readFeed(db, { after: cursor, limit: pageSize, filter });
          for (const e of page.events) {
            if (signal.aborted || closed) return;
            await deliver(e);
          }
          cursor = page.nextCursor;
          if (page.events.length < pageSize && (head === undefined || compareCursors(cursor, head) >= 0 || (live.size === 0 && !reading))) break;
        }
        const f: Follower = { cursor, filter, queue: [], detached: false };
        if (!join(f)) continue;
        const stop = () => f.wake?.();
        signal.addEventListener('abort', stop);
        try {
          while (!signal.aborted && !closed) {
            if (f.queue.length === 0) {
              if (f.detached) break;
              await new Promise<void>((resolve) => (f.wake = resolve));
              f.wake = undefined;
              continue;
            }
            const batch = f.queue;
            f.queue = [];
            for (const e of batch) {
              if (signal.aborted || closed) return;
              await deliver(e);
            }
          }
        } finally {
          live.delete(f);
          signal.removeEventListener('abort', stop);
        }
        // Everything queued was delivered: f.cursor is where to go on (a detached follower catches up).
        cursor = f.cursor;
      }
    },
    stats: () => ({ ...counts, live: live.size }),
    async close() {
      closed = true;
      clearInterval(poll);
      clearTimeout(heldBackRetry);
      for (const f of live) f.wake?.();
      live.clear();
      await listener?.close();
    },
  };
}
