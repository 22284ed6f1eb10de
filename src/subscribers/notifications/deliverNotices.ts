import { sql } from 'kysely';
import { joinEventById } from '../../events/appendEvents.ts';
import type { Db, Executor } from '../../db/connect.ts';
import type { Logger } from '../../telemetry/logger.ts';
import type { NotificationChannel } from './notificationChannel.ts';
import type { NotificationMessage } from './renderNotification.ts';

/**
 * A notice whose row is still pending this long after it was recorded was cut off
 * between its commit and its delivery (a crash, a failed append): the sweep takes it.
 * Well above the milliseconds the after-commit delivery takes, so the two do not race.
 */
export const PENDING_NOTICE_GRACE_MS = 60_000;

/**
 * Delivers the notices a batch recorded, after its transaction committed (the worker's
 * after-commit effect), in one short transaction (one commit for the batch, not one per
 * notice): marking the rows delivered while they are still pending both claims them (the
 * rows stay locked until commit, so the sweep skips them) and records the delivery; a
 * delivery that throws rolls every mark back, and the sweep takes them, recognising the
 * lines already written by their event ids. A crash between the appends and this commit
 * leaves them pending for the sweep the same way.
 */
export async function deliverNotices(db: Db, channel: NotificationChannel, messages: readonly NotificationMessage[], ctx: { now: Date; log: Logger }): Promise<void> {
  if (messages.length === 0) return;
  await db.transaction().execute(async (tx) => {
    const claimed = await markDelivered(tx, messages.map((m) => m.eventId), ctx.now);
    await deliverAll(channel, messages.filter((m) => claimed.has(m.eventId)), ctx);
  });
}

/** Delivers notices in order: in one call where the channel takes several (the file channel: one append), else one by one. */
export async function deliverAll(channel: NotificationChannel, messages: readonly NotificationMessage[], ctx: { now: Date; log: Logger }): Promise<void> {
  if (messages.length === 0) return;
  if (channel.deliverAll) return channel.deliverAll(messages, ctx);
  for (const message of messages) await channel.deliver(message, ctx);
}

/**
 * Records the notices in notification_deliveries, in one statement whatever their number
 * (one JSON parameter, not nine a row), and returns the event ids that were new: a
 * notice already recorded (a second delivery, a replay) is not claimed again.
 */
export async function claimDeliveries(
  db: Executor,
  channel: NotificationChannel['name'],
  messages: readonly NotificationMessage[],
  recordedAt: Date,
  deliveredAt: Date | null,
): Promise<Set<string>> {
  if (messages.length === 0) return new Set();
  const rows = messages.map((m) => ({ event_id: m.eventId, invoice_id: m.invoiceId, kind: m.kind, recipient: m.to, subject: m.subject, body: m.body }));
  const { rows: claimed } = await sql<{ event_id: string }>`
    INSERT INTO notification_deliveries (event_id, invoice_id, kind, channel, recipient, subject, body, recorded_at, delivered_at)
    SELECT event_id, invoice_id, kind, ${channel}, recipient, subject, body, ${recordedAt}::timestamptz, ${deliveredAt}::timestamptz
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x (event_id uuid, invoice_id text, kind text, recipient text, subject text, body text)
    ON CONFLICT (event_id) DO NOTHING
    RETURNING event_id`.execute(db);
  return new Set(claimed.map((r) => r.event_id));
}

/**
 * The sweep (schedule notifications-pending): delivers notices still pending after
 * PENDING_NOTICE_GRACE_MS, at most `limit` a run. Before writing one it asks the
 * channel whether the notice is already there (the file channel looks for its event
 * id), so a notice written just before a crash is marked, not written twice.
 * Returns how many it delivered or found delivered.
 */
export async function deliverPendingNotices(
  db: Executor,
  channel: NotificationChannel,
  ctx: { now: Date; log: Logger; limit?: number },
): Promise<number> {
  const { rows } = await sql<{ event_id: string; invoice_id: string; kind: NotificationMessage['kind']; recipient: string | null; subject: string; body: string; occurred_at: string }>`
    SELECT n.event_id, n.invoice_id, n.kind, n.recipient, n.subject, n.body, e.occurred_at
    FROM notification_deliveries n
    ${joinEventById(sql.ref('n.event_id'), 'e')}
    WHERE n.delivered_at IS NULL AND n.recorded_at < ${new Date(ctx.now.getTime() - PENDING_NOTICE_GRACE_MS)}
    ORDER BY n.recorded_at
    LIMIT ${ctx.limit ?? 100}
    FOR UPDATE OF n SKIP LOCKED`.execute(db);
  const already = rows.length > 0 ? ((await channel.alreadyDelivered?.(rows.map((r) => r.event_id))) ?? new Set<string>()) : new Set<string>();
  for (const row of rows) {
    const message: NotificationMessage = {
      eventId: row.event_id,
      kind: row.kind,
      invoiceId: row.invoice_id,
      to: row.recipient,
      subject: row.subject,
      body: row.body,
      occurredAt: row.occurred_at,
    };
    const written = already.has(row.event_id);
    if (!written) await channel.deliver(message, ctx);
    ctx.log.warn({ eventId: row.event_id, alreadyWritten: written }, 'delivered a notice left pending after its commit');
  }
  // One statement for the run: the marks commit with the sweep's transaction either way.
  if (rows.length > 0) await markDelivered(db, rows.map((r) => r.event_id), ctx.now);
  return rows.length;
}

/** Marks the still-pending ones of these notices delivered; returns the ids it marked. */
async function markDelivered(db: Executor, eventIds: readonly string[], now: Date): Promise<Set<string>> {
  // One array parameter, not one a notice.
  const { rows } = await sql<{ event_id: string }>`
    UPDATE notification_deliveries SET delivered_at = ${now}::timestamptz
    WHERE event_id = ANY(${eventIds}::uuid[]) AND delivered_at IS NULL
    RETURNING event_id`.execute(db);
  return new Set(rows.map((r) => r.event_id));
}
