import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import { doublingDelay } from '../../db/backoff.ts';
import type { Db } from '../../db/connect.ts';
import { compareCursors, formatCursor, type FeedCursor } from '../../events/feed/feedCursor.ts';
import type { WakeSource } from '../../events/feed/followFeed.ts';
import { readFeed, type FeedEvent } from '../../events/feed/readFeed.ts';
import { toPublicEvent } from '../../events/publicEvent.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { ensureStream, type StreamSettings } from './ensureStream.ts';
import { cursorOfEvent, readForwarderPosition, recordForwarderPosition } from './forwarderPosition.ts';
import { natsSubject } from './natsSubject.ts';

export type NatsForwarderOptions = {
  db: Db;
  natsUrl: string;
  stream: StreamSettings;
  batchSize: number;
  /** Backstop read when no wake-up comes (events held back by an older transaction, a lost NOTIFY). */
  pollMs: number;
  /** The outbox NOTIFY (bus/relay/listenForOutbox.ts). */
  listen?: WakeSource;
  log: Logger;
  /** How long one publish waits for JetStream's ack. */
  publishTimeoutMs?: number;
};

export type NatsForwarder = {
  /** Resolves once every event committed so far (below the feed's horizon) has been published and recorded. */
  caughtUp(): Promise<void>;
  stop(): Promise<void>;
};

/**
 * `accrue forward nats`: publishes every event, in feed (commit) order, to JetStream
 * on `<prefix>.<aggregateType>.<eventType>` with Nats-Msg-Id = the event id, then
 * records the feed cursor (event_forwarders). Exactly once in the stream:
 * - a crash after publishing and before recording publishes that page again, and
 *   JetStream drops each repeated Nats-Msg-Id within the stream's duplicate window;
 * - at start it also reads the stream's last message and, when that is an event of
 *   this store past the recorded cursor, resumes after it, so a restart later than
 *   the window repeats nothing either (one forwarder per stream; pages are published
 *   in order on one connection, so the last message stored is the furthest).
 * NATS going away is waited out: the client reconnects for ever, a failed page is
 * retried with backoff (100 ms doubling to 5 s), and the stream is re-created if the
 * server lost it.
 */
export function startNatsForwarder(options: NatsForwarderOptions): NatsForwarder {
  const { db, log, batchSize, stream } = options;
  const name = `nats:${stream.name}`;
  const timeout = options.publishTimeoutMs ?? 10_000;
  let stopped = false;
  let nc: NatsConnection | undefined;
  let wakeUp: (() => void) | undefined;
  let woken = false;
  // caughtUp() waiters, each with the number of reads started before it asked.
  const waiters: Array<{ readsBefore: number; resolve: () => void }> = [];
  let reads = 0;

  const wake = () => {
    woken = true;
    wakeUp?.();
  };
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (woken || stopped) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeUp = undefined;
        resolve();
      }
      wakeUp = done;
    });
  const listener = options.listen?.(wake);

  const publishPage = async (js: JetStreamClient, events: FeedEvent[]) => {
    const acks = await Promise.all(
      events.map((e) =>
        js.publish(natsSubject(stream.subjectPrefix, e.event.aggregateType, e.event.type), JSON.stringify(toPublicEvent(e.event)), { msgID: e.event.eventId, timeout }),
      ),
    );
    return acks.filter((a) => a.duplicate).length;
  };

  /** The stream's last message, if it is one of ours further on than `cursor`. */
  const recoverFromStream = async (connection: NatsConnection, cursor: FeedCursor): Promise<FeedCursor> => {
    const jsm = await jetstreamManager(connection);
    const info = await ensureStream(jsm, stream, log);
    if (info.state.messages === 0) return cursor;
    const last = await jsm.streams.getMessage(stream.name, { seq: info.state.last_seq });
    const eventId = last?.header.get('Nats-Msg-Id');
    if (!last || !eventId || !last.subject.startsWith(`${stream.subjectPrefix}.`)) return cursor;
    const at = await cursorOfEvent(db, eventId);
    if (!at || compareCursors(at, cursor) <= 0) return cursor;
    log.info({ recorded: formatCursor(cursor), resumeAfter: formatCursor(at), eventId }, 'the stream holds events past the recorded position; resuming after its last message');
    return at;
  };

  const run = async () => {
    let failures = 0;
    let heldBackTries = 0;
    let cursor: FeedCursor | undefined;
    let js: JetStreamClient | undefined;
    while (!stopped) {
      try {
        if (!nc) {
          nc = await connect({ servers: options.natsUrl, name: 'accrue-forward-nats', maxReconnectAttempts: -1, reconnectTimeWait: 500, waitOnFirstConnect: true });
          log.info({ server: nc.getServer(), stream: stream.name }, 'forwarding events to NATS JetStream');
        }
        if (!js || !cursor) {
          const recorded = await readForwarderPosition(db, name);
          cursor = await recoverFromStream(nc, recorded);
          js = jetstream(nc);
        }
        woken = false;
        const read = ++reads;
        const page = await readFeed(db, { after: cursor, limit: batchSize });
        if (page.events.length > 0) {
          const duplicates = await publishPage(js, page.events);
          await recordForwarderPosition(db, name, page.nextCursor, page.events.length - duplicates);
          log.debug({ published: page.events.length, duplicates, cursor: formatCursor(page.nextCursor) }, 'events forwarded to NATS');
        }
        cursor = page.nextCursor;
        failures = 0;
        heldBackTries = page.heldBack && page.events.length < batchSize ? heldBackTries + 1 : 0;
        if (page.events.length < batchSize) {
          for (const w of waiters.filter((x) => x.readsBefore < read)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve();
          }
          // Held back behind an older transaction: look again soon (20 ms doubling), not at the poll.
          await sleep(heldBackTries > 0 ? Math.min(options.pollMs, 20 * 2 ** (heldBackTries - 1)) : options.pollMs);
        }
      } catch (err) {
        if (stopped) break;
        failures++;
        // Re-read the stream and position on the next round: the server may have lost the stream.
        js = undefined;
        cursor = undefined;
        const delay = doublingDelay(failures, 100, 5000);
        log.warn({ err: { message: (err as Error).message }, failures, retryInMs: delay }, 'forwarding to NATS failed; retrying');
        // Not cut short by wake-ups: under load they come all the time.
        for (const until = Date.now() + delay; Date.now() < until && !stopped; ) await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  const running = run();

  return {
    caughtUp() {
      return new Promise<void>((resolve) => {
        waiters.push({ readsBefore: reads, resolve });
        wake();
      });
    },
    async stop() {
      stopped = true;
      wake();
      // A first connect to a NATS that is not there waits for ever: do not wait for it.
      await Promise.race([running, new Promise((r) => setTimeout(r, 2000).unref())]);
      await listener?.close();
      await nc?.drain().catch(() => {});
    },
  };
}
