import { createReadStream } from 'node:fs';
import { appendFile, mkdir } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import path from 'node:path';
import type { Logger } from 'pino';
import type { CircuitBreaker } from '../../bus/breaker/circuitBreaker.ts';
import { postJson } from '../postJson.ts';
import { standardWebhookHeaders } from '../webhooks/signWebhook.ts';
import type { NotificationMessage } from './renderNotification.ts';

/**
 * The most bytes of lines one append writes: below Node's write chunk for appendFile
 * (512 KiB), so each append is a single write(2) and never splits a line.
 */
export const FILE_APPEND_BYTES = 64 * 1024;

/** Where rendered notices go. Pluggable: the subscriber only calls deliver(). */
export type NotificationChannel = {
  name: 'file' | 'log' | 'webhook';
  /** Calls a system outside accrue (then it runs behind a circuit breaker). */
  external: boolean;
  deliver(message: NotificationMessage, ctx: { now: Date; log: Logger }): Promise<void>;
  /** Optional: delivers several notices as `deliver` would one after the other, in fewer writes. */
  deliverAll?(messages: readonly NotificationMessage[], ctx: { now: Date; log: Logger }): Promise<void>;
  /**
   * Which of these events' notices are already there (only the sweep asks, for
   * notices cut off between their write and their marking). Channels that cannot
   * tell leave it out and are at-least-once, keyed by eventId.
   */
  alreadyDelivered?(eventIds: readonly string[]): Promise<Set<string>>;
};

/**
 * Appends one JSON line per notice. One appendFile of at most FILE_APPEND_BYTES is one
 * write(2) with O_APPEND, so lines from several worker processes do not interleave; a
 * batch's notices (deliverAll) go in appends of whole lines up to that size, one open
 * and one write for a few hundred notices rather than one each. Each line carries the
 * notice's eventId: the notifications subscriber appends only after its transaction
 * commits, and a line written just before a crash is found here by the sweep, so a
 * reader sees each notice once (and could still drop a repeat by eventId).
 */
export function fileChannel(file: string): NotificationChannel {
  let dirReady: Promise<unknown> | undefined;
  const append = async (text: string) => {
    await (dirReady ??= mkdir(path.dirname(file), { recursive: true }));
    await appendFile(file, text, 'utf8');
  };
  const line = (message: NotificationMessage, deliveredAt: string) => `${JSON.stringify({ deliveredAt, ...message })}\n`;
  return {
    name: 'file',
    external: false,
    async deliver(message, { now }) {
      await append(line(message, now.toISOString()));
    },
    async deliverAll(messages, { now }) {
      const deliveredAt = now.toISOString();
      let chunk = '';
      for (const message of messages) {
        const next = line(message, deliveredAt);
        if (chunk.length > 0 && Buffer.byteLength(chunk) + Buffer.byteLength(next) > FILE_APPEND_BYTES) {
          await append(chunk);
          chunk = '';
        }
        chunk += next;
      }
      if (chunk.length > 0) await append(chunk);
    },
    // Reads the whole file once per sweep run: only the recovery sweep asks, for the
    // rare notice cut off by a crash.
    async alreadyDelivered(eventIds) {
      const wanted = new Set(eventIds);
      const found = new Set<string>();
      const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
      try {
        for await (const line of lines) {
          const id = /"eventId":"([0-9a-f-]{36})"/i.exec(line)?.[1];
          if (id && wanted.has(id)) found.add(id);
          if (found.size === wanted.size) break;
        }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      } finally {
        lines.close();
      }
      return found;
    },
  };
}

export function logChannel(): NotificationChannel {
  return {
    name: 'log',
    external: false,
    async deliver(message, { log }) {
      log.info({ notification: message }, `notification ${message.kind} for invoice ${message.invoiceId}`);
    },
  };
}

/**
 * POSTs the notice as JSON; the eventId is the Idempotency-Key, since a retry may send
 * it again. With a secret (ACCRUE_NOTIFY_WEBHOOK_SECRET) it is signed like the webhooks
 * subscriber's deliveries (webhook-id = eventId, webhook-timestamp read as the request
 * leaves, webhook-signature). Without one it goes unsigned, as before that setting
 * existed, and says so once per process in the log.
 */
export function webhookChannel(
  url: string,
  timeoutMs: number,
  breaker: CircuitBreaker,
  signing: { secret?: string | undefined; clock?: () => Date } = {},
): NotificationChannel {
  const clock = signing.clock ?? (() => new Date());
  let warned = false;
  return {
    name: 'webhook',
    external: true,
    async deliver(message, { now, log }) {
      const body = JSON.stringify(message);
      if (!signing.secret && !warned) {
        warned = true;
        log.warn('notification webhook deliveries are unsigned: set ACCRUE_NOTIFY_WEBHOOK_SECRET so the receiver can verify them (docs/subscribers.md)');
      }
      const headers = () => ({
        ...(signing.secret ? standardWebhookHeaders(message.eventId, body, signing.secret, clock()) : {}),
        'idempotency-key': message.eventId,
      });
      await breaker.run(now, () => postJson(url, body, headers(), timeoutMs));
    },
  };
}
