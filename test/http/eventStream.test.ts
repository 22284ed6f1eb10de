import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEventSet, type NewEvent } from '../../src/events/appendEvents.ts';
import { createFeedFollowers, type FeedFollowers } from '../../src/events/feed/followFeed.ts';
import { FEED_START, formatCursor } from '../../src/events/feed/feedCursor.ts';
import { readFeed } from '../../src/events/feed/readFeed.ts';
import { listenForOutbox } from '../../src/bus/relay/listenForOutbox.ts';
import { createApp } from '../../src/http/app.ts';
import { startApiServer, type RunningServer } from '../../src/http/serveHttp.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase.ts';
import { waitFor } from '../helpers/accrueProcess.ts';

/**
 * Costs: one test database, a real HTTP server, 10,000 events written by four
 * concurrent writers (so transactions commit out of position order) while streams
 * read them; ~10-20 s on a busy 2-core machine.
 */
const TOKEN = 'test-bootstrap-token-0123456789';
let t: TestDatabase;
let followers: FeedFollowers;
let server: RunningServer;

beforeAll(async () => {
  t = await createTestDatabase({ poolMax: 12 });
  followers = createFeedFollowers({ db: t.db, listen: (wake) => listenForOutbox(t.url, wake, silentLogger), pollMs: 200, log: silentLogger });
  const app = createApp({ db: t.db, log: silentLogger, bootstrapToken: TOKEN, eventStream: { followers, heartbeatMs: 100 } });
  server = await startApiServer(app, { port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await followers?.close();
  await server?.close();
  await t?.drop();
});

type Received = { id: string; eventId: string; aggregateId: string };

/** Opens the stream and collects events until `until` says stop, then drops the connection (no goodbye). */
async function stream(query: string, until: (received: Received[], comments: string[]) => boolean, headers: Record<string, string> = {}) {
  const abort = new AbortController();
  const res = await fetch(`${server.url}/v1/events/stream${query}`, { headers: { authorization: `Bearer ${TOKEN}`, ...headers }, signal: abort.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const received: Received[] = [];
  const comments: string[] = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    while (!until(received, comments)) {
      const { value, done } = await reader.read();
      if (done) throw new Error('stream ended');
      buffer += value;
      const messages = buffer.split('\n\n');
      buffer = messages.pop()!;
      for (const m of messages) {
        if (m.startsWith(':')) comments.push(m);
        const id = /^id: (.*)$/m.exec(m)?.[1];
        const data = /^data: (.*)$/m.exec(m)?.[1];
        if (id && data) {
          const e = JSON.parse(data);
          received.push({ id, eventId: e.id, aggregateId: e.aggregate.id });
        }
      }
    }
  } finally {
    abort.abort();
  }
  return { received, comments };
}

const reminders = (prefix: string, n: number): NewEvent[] =>
  Array.from({ length: n }, (_, i) => ({ type: 'InvoiceReminderSent', aggregateId: `${prefix}_${i % 50}`, occurredAt: '2026-02-01', data: { channel: 'email' } }));

/** Writes `total` events in batches of 100 from four concurrent writers: commits interleave, positions do not follow commit order. */
async function writeConcurrently(prefix: string, total: number) {
  const perWriter = total / 4;
  await Promise.all(
    [0, 1, 2, 3].map(async (w) => {
      for (let i = 0; i < perWriter; i += 100) await appendEventSet(t.db, reminders(`${prefix}${w}`, 100), { correlationId: `w${w}`, actor: 'test' });
    }),
  );
}

async function feedIds(): Promise<string[]> {
  const ids: string[] = [];
  let after = FEED_START;
  for (;;) {
    const page = await readFeed(t.db, { after, limit: 1000 });
    ids.push(...page.events.map((e) => e.event.eventId));
    after = page.nextCursor;
    if (page.events.length < 1000) return ids;
  }
}

describe('GET /v1/events/stream', () => {
  it('resumes with Last-Event-ID after dropped connections: 10,000 events, no gap, no repeat, in feed order', async () => {
    const TOTAL = 10_000;
    // 2,000 are stored before anyone connects; 8,000 arrive while the stream is read and dropped.
    await writeConcurrently('pre', 2000);
    const writing = writeConcurrently('live', TOTAL - 2000);
    const all: Received[] = [];
    let lastId: string | undefined;
    // Three drops at different depths (catching up, then live), then read to the end.
    for (const stopAt of [1500, 4000, 7000, TOTAL]) {
      const { received } = await stream('', (r) => all.length + r.length >= stopAt, lastId ? { 'last-event-id': lastId } : {});
      all.push(...received);
      lastId = all.at(-1)!.id;
    }
    await writing;
    expect(all).toHaveLength(TOTAL);
    expect(new Set(all.map((r) => r.eventId)).size).toBe(TOTAL);
    // The stream's order is the feed's (commit) order, and ids are its cursors.
    const ids = await waitFor('the feed to hold all events', async () => {
      const f = await feedIds();
      return f.length === TOTAL && f;
    });
    expect(all.map((r) => r.eventId)).toEqual(ids);
  }, 90_000);

  it('keeps an idle stream open with heartbeat comments', async () => {
    const { received, comments } = await stream('?types=InvoiceCreated', (_r, c) => c.filter((x) => x === ': heartbeat').length >= 3);
    expect(received).toEqual([]);
    expect(comments[0]).toBe(': connected');
  });

  it('serves many live streams, filtered or not, from one shared reader', async () => {
    const end = formatCursor((await readFeed(t.db, { after: FEED_START, limit: 100_000 })).nextCursor);
    const before = followers.stats();
    const plain = Array.from({ length: 10 }, () => stream(`?after=${end}`, (r) => r.length >= 500));
    const filtered = Array.from({ length: 10 }, () => stream(`?after=${end}&aggregateId=fan_3`, (r) => r.length >= 10));
    await waitFor('20 live streams', () => followers.stats().live === 20);
    const live = followers.stats();
    const started = Date.now();
    await appendEventSet(t.db, reminders('fan', 500), { correlationId: 'fan', actor: 'test' });
    const plainResults = await Promise.all(plain);
    const filteredResults = await Promise.all(filtered);
    const elapsed = Date.now() - started;
    for (const { received } of plainResults) expect(received).toHaveLength(500);
    for (const { received } of filteredResults) expect(received.map((r) => r.aggregateId)).toEqual(Array(10).fill('fan_3'));
    const after = followers.stats();
    // Each stream read the store on its own to join (its catch-up), then only received. A
    // stream may catch up more than once to join: an empty page moves the shared reader's
    // cursor to the horizon, which any transaction in the cluster advances (other test
    // files' databases included), so a stream can end its catch-up just behind it (seen:
    // 24 for 20 streams under load). Once live, none reads on its own again.
    expect(live.catchUpReads - before.catchUpReads).toBeGreaterThanOrEqual(20);
    expect(after.catchUpReads).toBe(live.catchUpReads);
    // Reads while live follow the wake-ups (one NOTIFY, a 200 ms poll), not the number of streams.
    expect(after.sharedReads - live.sharedReads).toBeLessThanOrEqual(Math.ceil(elapsed / 200) + 4);
  });
});
