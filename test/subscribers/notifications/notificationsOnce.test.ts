import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Subscriber } from '../../../src/bus/contract/subscriber.ts';
import type { StoredEvent } from '../../../src/events/envelope.ts';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { PENDING_NOTICE_GRACE_MS, deliverPendingNotices } from '../../../src/subscribers/notifications/deliverNotices.ts';
import { FILE_APPEND_BYTES, fileChannel } from '../../../src/subscribers/notifications/notificationChannel.ts';
import { renderNotification } from '../../../src/subscribers/notifications/renderNotification.ts';
import { createNotificationsSubscriber } from '../../../src/subscribers/notifications/sendNotifications.ts';
import { applyBatch } from '../../../src/bus/worker/applyBatch.ts';
import { appendTestEvents } from '../../helpers/appendTestEvent.ts';
import { CountStatements } from '../../helpers/countStatements.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';

const reminder = (occurredAt: string) => ({ type: 'InvoiceReminderSent' as const, aggregateId: 'inv_o1', occurredAt, data: { channel: 'email' } });
const job = (event: StoredEvent) => ({ id: randomUUID(), retryCount: 0, data: JSON.parse(JSON.stringify(event)) as unknown });

async function linesOf(file: string): Promise<{ eventId: string }[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l));
}

describe('the file notification channel writes each notice once', () => {
  let t: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    t = await createTestDatabase();
    dir = await mkdtemp(path.join(os.tmpdir(), 'accrue-notify-once-'));
    await t.db.insertInto('customers').values({ id: 'cus_o', name: 'Ada', email: 'ada@example.com' }).execute();
    await t.db
      .insertInto('invoices')
      .values({
        id: 'inv_o1', customer_id: 'cus_o', currency: 'EUR', status: 'open', issued_at: '2026-05-01', due_date: '2026-05-31',
        lines: JSON.stringify([{ lineId: 'l1', kind: 'revenue', amount: 15_000 }]), total: 15_000, tax: 0, amount_paid: 0,
      })
      .execute();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await t.drop();
  });

  it('a batch that fails after a notice and is re-applied event by event leaves one line, written after commit', async () => {
    const file = path.join(dir, 'batch.jsonl');
    const notifications = createNotificationsSubscriber(fileChannel(file));
    const [first, second] = await appendTestEvents(t.db, [reminder('2026-05-20'), reminder('2026-05-21')]);
    // The second event fails after its notice was rendered: the batch rolls back and the
    // worker re-applies both one by one; the first commits, the second fails for good.
    const failing: Subscriber = {
      ...notifications,
      async handle(event, ctx) {
        await notifications.handle(event, ctx);
        if (event.eventId === second!.eventId) throw new Error('a neighbour fails');
      },
      async handleBatch(events, ctx) {
        await notifications.handleBatch!(events, ctx);
        if (events.some((e) => e.eventId === second!.eventId)) throw new Error('a neighbour fails');
      },
    };
    const results = await applyBatch(t.db, failing, [job(first!), job(second!)], { queue: 'notifications', log: silentLogger, now: () => new Date() });
    expect(results.map((r) => r.status)).toEqual(['completed', 'failed']);

    const lines = await linesOf(file);
    expect(lines.map((l) => l.eventId)).toEqual([first!.eventId]);
    const rows = await t.db.selectFrom('notification_deliveries').select(['event_id', 'delivered_at']).where('event_id', 'in', [first!.eventId, second!.eventId]).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.delivered_at).not.toBeNull();
  });

  it('a batch of notices costs a fixed number of statements: one facts read, one claim, one delivery transaction after commit', async () => {
    const file = path.join(dir, 'many.jsonl');
    const notifications = createNotificationsSubscriber(fileChannel(file));
    const events = await appendTestEvents(t.db, ['2026-05-24', '2026-05-25', '2026-05-26', '2026-05-27'].map(reminder));
    const counter = new CountStatements();
    const results = await applyBatch(t.db.withPlugin(counter), notifications, events.map(job), { queue: 'notifications', log: silentLogger, now: () => new Date() });
    expect(results.map((r) => r.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
    expect((await linesOf(file)).map((l) => l.eventId)).toEqual(events.map((e) => e.eventId));
    const pending = await t.db.selectFrom('notification_deliveries').select('event_id').where('event_id', 'in', events.map((e) => e.eventId)).where('delivered_at', 'is', null).execute();
    expect(pending).toEqual([]);
    // Inbox claim, facts, claim of the deliveries; after commit, the one marking (was 2 + 3 per notice).
    expect(counter.count).toBe(4);
  });

  it("the file channel appends a batch's notices in whole lines, in order, once each, above one append's size too", async () => {
    const file = path.join(dir, 'chunks.jsonl');
    const channel = fileChannel(file);
    const messages = Array.from({ length: 300 }, (_, i) => ({
      eventId: randomUUID(), kind: 'receipt' as const, invoiceId: `inv_${i}`, to: 'ada@example.com', subject: `Receipt ${i}`,
      body: `é ${'x'.repeat(200 + (i % 7) * 100)}\n"quoted"`, occurredAt: '2026-05-01',
    }));
    // ~150 KB of lines: more than FILE_APPEND_BYTES, so several appends.
    expect(messages.reduce((n, m) => n + JSON.stringify(m).length, 0)).toBeGreaterThan(2 * FILE_APPEND_BYTES);
    await channel.deliverAll!(messages, { now: new Date('2026-05-02T00:00:00Z'), log: silentLogger });
    const lines = await linesOf(file);
    expect(lines).toEqual(messages.map((m) => ({ deliveredAt: '2026-05-02T00:00:00.000Z', ...m })));
  });

  it('a notice cut off between commit and write is written by the sweep once, and one written just before a crash is not written again', async () => {
    const file = path.join(dir, 'crash.jsonl');
    const channel = fileChannel(file);
    const notifications = createNotificationsSubscriber(channel);
    const [lost, written] = await appendTestEvents(t.db, [reminder('2026-05-22'), reminder('2026-05-23')]);
    const recordedAt = new Date('2026-06-01T09:00:00Z');
    // The worker crashed after the commit: its after-commit effects never ran.
    for (const event of [lost!, written!]) {
      await t.db.transaction().execute((tx) => notifications.handle(event, { db: tx, log: silentLogger, now: recordedAt, afterCommit: () => {} }));
    }
    // For the second, the line made it to the file before the crash, the marking did not.
    await channel.deliver(renderNotification(written!)!, { now: recordedAt, log: silentLogger });
    expect((await linesOf(file)).map((l) => l.eventId)).toEqual([written!.eventId]);

    // Too early: the after-commit delivery may still be on its way.
    expect(await deliverPendingNotices(t.db, channel, { now: new Date(recordedAt.getTime() + 1000), log: silentLogger })).toBe(0);
    const later = new Date(recordedAt.getTime() + PENDING_NOTICE_GRACE_MS + 1000);
    expect(await t.db.transaction().execute((tx) => deliverPendingNotices(tx, channel, { now: later, log: silentLogger }))).toBe(2);
    expect(await t.db.transaction().execute((tx) => deliverPendingNotices(tx, channel, { now: later, log: silentLogger }))).toBe(0);

    const ids = (await linesOf(file)).map((l) => l.eventId);
    expect(ids.toSorted()).toEqual([lost!.eventId, written!.eventId].toSorted());
    const pending = await t.db.selectFrom('notification_deliveries').select('event_id').where('delivered_at', 'is', null).execute();
    expect(pending).toEqual([]);
    // The sweep is registered as a schedule of the subscriber (every minute).
    expect(notifications.schedules?.map((s) => [s.name, s.cron])).toEqual([['notifications-pending', '* * * * *']]);
  });
});

