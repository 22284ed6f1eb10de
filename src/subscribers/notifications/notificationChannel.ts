import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { CircuitBreaker } from '../../breaker/circuitBreaker.ts';
import { postJson } from '../postJson.ts';
import type { NotificationMessage } from './renderNotification.ts';

/** Where rendered notices go. Pluggable: the subscriber only calls deliver(). */
export type NotificationChannel = {
  name: 'file' | 'log' | 'webhook';
  /** Calls a system outside accrue (then it runs behind a circuit breaker). */
  external: boolean;
  deliver(message: NotificationMessage, ctx: { now: Date; log: Logger }): Promise<void>;
};

/**
 * Appends one JSON line per notice. One appendFile is one write(2) with O_APPEND,
 * so lines from several worker processes do not interleave.
 */
export function fileChannel(file: string): NotificationChannel {
  let dirReady: Promise<unknown> | undefined;
  return {
    name: 'file',
    external: false,
    async deliver(message, { now }) {
      await (dirReady ??= mkdir(path.dirname(file), { recursive: true }));
      await appendFile(file, `${JSON.stringify({ deliveredAt: now.toISOString(), ...message })}\n`, 'utf8');
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

/** POSTs the notice as JSON; the eventId is the Idempotency-Key, since a retry may send it again. */
export function webhookChannel(url: string, timeoutMs: number, breaker: CircuitBreaker): NotificationChannel {
  return {
    name: 'webhook',
    external: true,
    async deliver(message, { now }) {
      const body = JSON.stringify(message);
      await breaker.run(now, () => postJson(url, body, { 'idempotency-key': message.eventId }, timeoutMs));
    },
  };
}
