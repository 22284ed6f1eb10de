import { createHmac, timingSafeEqual } from 'node:crypto';
import { webhookKey } from '../../values/webhookSecret.ts';

export { webhookKey, webhookSecretProblem } from '../../values/webhookSecret.ts';

// Deliveries are signed the Standard Webhooks way (https://www.standardwebhooks.com):
//   webhook-id         the event id: the same on every retry, so receivers dedupe on it
//   webhook-timestamp  unix seconds when this attempt was sent: receivers refuse old ones (replays)
//   webhook-signature  v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<raw body>">
// Any Standard Webhooks library verifies them given a whsec_ secret; verifyWebhook.ts
// is ours, and docs/subscribers.md shows the check in five lines of node:crypto.

export const WEBHOOK_ID_HEADER = 'webhook-id';
export const WEBHOOK_TIMESTAMP_HEADER = 'webhook-timestamp';
export const WEBHOOK_SIGNATURE_HEADER = 'webhook-signature';

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` under `key`. */
export function standardSignature(key: Buffer, id: string, timestampSeconds: number, body: string | Uint8Array): string {
  const hmac = createHmac('sha256', key).update(`${id}.${timestampSeconds}.`, 'utf8');
  hmac.update(typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
  return `v1,${hmac.digest('base64')}`;
}

/**
 * The three Standard Webhooks headers of one attempt, sent at `now`. Several secrets
 * (an endpoint's new and previous one while a rotation overlaps) give one `v1,`
 * signature each, space-separated: a receiver that knows either secret verifies.
 */
export function standardWebhookHeaders(id: string, body: string, secret: string | readonly string[], now: Date): Record<string, string> {
  const timestamp = Math.floor(now.getTime() / 1000);
  const secrets = typeof secret === 'string' ? [secret] : secret;
  return {
    [WEBHOOK_ID_HEADER]: id,
    [WEBHOOK_TIMESTAMP_HEADER]: String(timestamp),
    [WEBHOOK_SIGNATURE_HEADER]: secrets.map((s) => standardSignature(webhookKey(s), id, timestamp, body)).join(' '),
  };
}

/**
 * Deprecated, sent for one more release so receivers written against it keep working:
 * `x-accrue-signature: sha256=<hex HMAC-SHA256 of the raw body>`, keyed with the
 * secret's utf8 bytes as configured (whsec_ prefix included). It covers no id or
 * time, so a recorded delivery can be replayed; check webhook-signature instead.
 */
export const SIGNATURE_HEADER = 'x-accrue-signature';

export function signWebhookBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** Deprecated with SIGNATURE_HEADER: compares in constant time over the raw body as received. */
export function verifyWebhookSignature(body: string, header: string | null | undefined, secret: string): boolean {
  if (!header) return false;
  const expected = Buffer.from(signWebhookBody(body, secret));
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
