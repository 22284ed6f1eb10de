import { timingSafeEqual } from 'node:crypto';
import { standardSignature, WEBHOOK_ID_HEADER, WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER, webhookKey } from './signWebhook.ts';

/**
 * How far a delivery's timestamp may be from the receiver's clock, either way. Five
 * minutes (the Standard Webhooks default) absorbs clock skew and a slow network; a
 * delivery recorded and sent again later than that is refused, so the receiver only
 * has to remember ids (for deduplication) for as long.
 */
export const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;

export type WebhookVerification = { ok: true; id: string; timestamp: number } | { ok: false; reason: string };

type HeaderSource = Headers | Record<string, string | string[] | undefined>;

/**
 * For receivers of accrue's webhooks (and the notification webhook): checks a
 * delivery's Standard Webhooks headers against the raw body exactly as received
 * (before any JSON parsing), in constant time, and that its timestamp is within
 * ±`toleranceSeconds` of `now`. On success, `id` is the event id: drop one you have
 * already processed, since a retry is the same delivery again.
 *
 * `secret`: the sender's ACCRUE_WEBHOOK_SECRET / ACCRUE_NOTIFY_WEBHOOK_SECRET, in the
 * same form (whsec_<base64> or a plain string). The header may carry several
 * space-separated signatures (a sender rotating secrets); one match is enough.
 */
export function verifyWebhook(
  body: string | Uint8Array,
  headers: HeaderSource,
  secret: string,
  options: { now?: Date; toleranceSeconds?: number } = {},
): WebhookVerification {
  const id = header(headers, WEBHOOK_ID_HEADER);
  const timestampText = header(headers, WEBHOOK_TIMESTAMP_HEADER);
  const signatures = header(headers, WEBHOOK_SIGNATURE_HEADER);
  if (!id || !timestampText || !signatures) return { ok: false, reason: 'missing webhook-id, webhook-timestamp or webhook-signature' };
  if (!/^\d{1,12}$/.test(timestampText)) return { ok: false, reason: 'webhook-timestamp is not unix seconds' };
  const timestamp = Number(timestampText);
  const nowSeconds = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const tolerance = options.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS;
  if (Math.abs(nowSeconds - timestamp) > tolerance) {
    return { ok: false, reason: `webhook-timestamp is ${nowSeconds - timestamp} s from now (more than ${tolerance} s): a replay or a wrong clock` };
  }
  const expected = Buffer.from(standardSignature(webhookKey(secret), id, timestamp, body));
  const matches = signatures.split(' ').some((given) => {
    const g = Buffer.from(given);
    return g.length === expected.length && timingSafeEqual(g, expected);
  });
  return matches ? { ok: true, id, timestamp } : { ok: false, reason: 'no v1 signature in webhook-signature matches this body' };
}

function header(headers: HeaderSource, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const value = headers[name] ?? Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1];
  return Array.isArray(value) ? value[0] : value;
}
