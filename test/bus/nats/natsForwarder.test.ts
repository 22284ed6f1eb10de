import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEventSet, type NewEvent } from '../../../src/events/appendEvents.ts';
import { startNatsForwarder, type NatsForwarder } from '../../../src/bus/nats/startNatsForwarder.ts';
import { listenForOutbox } from '../../../src/bus/relay/listenForOutbox.ts';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { spawnAccrue, waitFor, type AccrueProcess } from '../../helpers/accrueProcess.ts';
import { freePort } from '../../helpers/freePort.ts';
import { deleteStream, messagesIn, NATS_URL, natsConnect, natsForTests, privateNatsServer, readStream } from '../../helpers/natsServer.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';

/**
 * The JetStream forwarder against a real nats-server (the machine's at 127.0.0.1:4222,
 * and one of the test's own that it restarts). Fails under CI when NATS is absent.
 * Costs: one test database, ~6,000 events, two `accrue forward nats` processes, one
 * private nats-server; ~20-30 s.
 */
const run = await natsForTests();

const reminders = (prefix: string, n: number): NewEvent[] =>
  Array.from({ length: n }, (_, i) => ({ type: 'InvoiceReminderSent', aggregateId: `${prefix}_${i}`, occurredAt: '2026-02-01', data: { channel: 'email' } }));
const ctx = { correlationId: 'nats-test', actor: 'test' };

describe.skipIf(!run)('accrue forward nats', () => {
  let t: TestDatabase;
  let nc: NatsConnection;
  const streams: string[] = [];
  const names = () => {
    const id = randomBytes(4).toString('hex');
    const stream = `ACCRUE_TEST_${id}`;
    streams.push(stream);
    return { stream, prefix: `accrue-test.${id}` };
  };
  const forwarder = (natsUrl: string, s: { stream: string; prefix: string }, batchSize = 200): NatsForwarder =>
    startNatsForwarder({
      db: t.db,
      natsUrl,
      stream: { name: s.stream, subjectPrefix: s.prefix, retention: 'limits', replicas: 1, duplicateWindowSeconds: 120 },
      batchSize,
      pollMs: 200,
      listen: (wake) => listenForOutbox(t.url, wake, silentLogger),
      log: silentLogger,
      publishTimeoutMs: 2000,
    });

  beforeAll(async () => {
    t = await createTestDatabase();
    nc = await natsConnect();
  });
  afterAll(async () => {
    for (const s of streams) await deleteStream(nc, s);
    await nc?.close();
    await t?.drop();
  });

  it('creates the stream and publishes each event on <prefix>.<aggregateType>.<eventType> with Nats-Msg-Id, then new ones as they commit', async () => {
    const s = names();
    const written = await appendEventSet(t.db, reminders('first', 30), ctx);
    expect(written).toBe(30);
    const f = forwarder(NATS_URL, s, 7);
    try {
      await waitFor('30 messages', async () => (await messagesIn(nc, s.stream)) >= 30);
      await appendEventSet(t.db, reminders('later', 5), ctx);
      await waitFor('35 messages', async () => (await messagesIn(nc, s.stream)) >= 35);
      await f.caughtUp();
    } finally {
      await f.stop();
    }
    const messages = await readStream(nc, s.stream);
    const events = await t.db.selectFrom('events').select(['event_id', 'aggregate_id']).orderBy('tx_id').orderBy('position').execute();
    expect(messages.map((m) => m.msgId)).toEqual(events.map((e) => e.event_id));
    expect(messages[0]!.subject).toBe(`${s.prefix}.invoice.InvoiceReminderSent`);
    expect(messages[0]!.body).toMatchObject({ id: events[0]!.event_id, type: 'InvoiceReminderSent', aggregate: { type: 'invoice', id: 'first_0' }, correlationId: 'nats-test' });
    const row = await t.db.selectFrom('event_forwarders').selectAll().where('name', '=', `nats:${s.stream}`).executeTakeFirstOrThrow();
    expect(Number(row.forwarded)).toBe(35);
  });

  // The other half of exactly-once: when the stream's last message is not one of ours
  // (another publisher shares the stream), only JetStream's de-duplication stands
  // between a lost position and repeats.
  it('republishing from a lost position adds nothing: JetStream drops each repeated Nats-Msg-Id', async () => {
    const s = names();
    await appendEventSet(t.db, reminders('dedupe', 20), ctx);
    const total = Number((await t.db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const first = forwarder(NATS_URL, s, 8);
    await waitFor('all events', async () => (await messagesIn(nc, s.stream)) >= total);
    await first.stop();
    await jetstream(nc).publish(`${s.prefix}.other.Foreign`, '{}', { msgID: 'not-an-accrue-event' });
    await t.owner.updateTable('event_forwarders').set({ feed_cursor: '0-0' }).where('name', '=', `nats:${s.stream}`).execute();

    const second = forwarder(NATS_URL, s, 8);
    await waitFor('the position to come back', async () => {
      const row = await t.db.selectFrom('event_forwarders').select('feed_cursor').where('name', '=', `nats:${s.stream}`).executeTakeFirstOrThrow();
      return row.feed_cursor !== '0-0';
    });
    await second.caughtUp();
    await second.stop();
    const messages = await readStream(nc, s.stream);
    expect(messages).toHaveLength(total + 1);
    expect(new Set(messages.map((m) => m.msgId)).size).toBe(total + 1);
    // The second run published every event again and JetStream acked each as a duplicate.
    const row = await t.db.selectFrom('event_forwarders').select('forwarded').where('name', '=', `nats:${s.stream}`).executeTakeFirstOrThrow();
    expect(Number(row.forwarded)).toBe(total);
  });

  it('holds every event exactly once after the process is killed mid-run (and its recorded position lost) and restarted', { timeout: 120_000 }, async () => {
    const s = names();
    const before = Number((await t.db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    await Promise.all([0, 1, 2, 3].map(async (w) => {
      for (let i = 0; i < 5; i++) await appendEventSet(t.db, reminders(`kill${w}_${i}`, 250), ctx);
    }));
    const total = before + 5000;
    const env = {
      DATABASE_URL: t.url,
      LOG_LEVEL: 'warn',
      ACCRUE_NATS_URL: NATS_URL,
      ACCRUE_NATS_STREAM: s.stream,
      ACCRUE_NATS_SUBJECT_PREFIX: s.prefix,
      ACCRUE_NATS_BATCH_SIZE: '200',
      ACCRUE_OPS_PORT: String(await freePort()),
    };
    const first: AccrueProcess = spawnAccrue(['forward', 'nats'], env);
    let second: AccrueProcess | undefined;
    try {
      await waitFor('the first process to publish 1,000', async () => (await messagesIn(nc, s.stream)) >= 1000, 60_000);
      first.proc.kill('SIGKILL');
      await new Promise((r) => first.proc.once('exit', r));
      const atKill = await messagesIn(nc, s.stream);
      expect(atKill).toBeLessThan(total);
      // A crash after publishing and before recording, made certain: the position goes back 500 events.
      const name = `nats:${s.stream}`;
      const row = await t.owner.selectFrom('event_forwarders').select('feed_cursor').where('name', '=', name).executeTakeFirstOrThrow();
      const [tx, position] = row.feed_cursor.split('-');
      const rewound = await sql<{ tx: string; position: number }>`
        SELECT tx_id::text AS tx, position FROM events WHERE (tx_id, position) <= (${tx}::xid8, ${position}::bigint)
        ORDER BY tx_id DESC, position DESC OFFSET 500 LIMIT 1`.execute(t.owner);
      await t.owner.updateTable('event_forwarders').set({ feed_cursor: `${rewound.rows[0]!.tx}-${rewound.rows[0]!.position}` }).where('name', '=', name).execute();

      second = spawnAccrue(['forward', 'nats'], env);
      await waitFor(`${total} messages`, async () => (await messagesIn(nc, s.stream)) >= total, 60_000);
      // Let it settle: nothing more may arrive.
      await new Promise((r) => setTimeout(r, 1000));
    } finally {
      await second?.stop();
      if (first.alive()) await first.stop();
    }
    const messages = await readStream(nc, s.stream);
    expect(messages).toHaveLength(total);
    const ids = messages.map((m) => m.msgId);
    expect(new Set(ids).size).toBe(total);
    const events = await t.db.selectFrom('events').select('event_id').orderBy('tx_id').orderBy('position').execute();
    expect(ids).toEqual(events.map((e) => e.event_id));
  });

  it('survives a NATS restart: events written while the server is down arrive once it is back', { timeout: 90_000 }, async () => {
    const s = names();
    const server = privateNatsServer(await freePort());
    await server.start();
    const own = await natsConnect(server.url);
    const f = forwarder(server.url, s);
    try {
      const start = Number((await t.db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
      await waitFor('the backlog', async () => (await messagesIn(own, s.stream)) === start, 60_000);
      await own.close();
      await server.stop();
      await appendEventSet(t.db, reminders('outage', 100), ctx);
      await new Promise((r) => setTimeout(r, 1500));
      await server.start();
      const again = await natsConnect(server.url);
      try {
        await waitFor('the events of the outage', async () => (await messagesIn(again, s.stream)) === start + 100, 60_000);
        const ids = (await readStream(again, s.stream)).map((m) => m.msgId);
        expect(new Set(ids).size).toBe(start + 100);
      } finally {
        await again.close();
      }
    } finally {
      await f.stop();
      await server.remove();
    }
  });
});
