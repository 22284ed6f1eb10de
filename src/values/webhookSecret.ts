import { ValidationError } from '../errors.ts';

// A webhook signing secret is a value with a format of its own: config validates it at
// start (one clear line) and the signer derives its key from it, with one rule.

export const SECRET_PREFIX = 'whsec_';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// HMAC-SHA256 keys shorter than this are guessable offline from one signed delivery.
const MIN_KEY_BYTES = 16;

/**
 * The HMAC key of a configured secret. `whsec_<base64>` (the Standard Webhooks form,
 * what their libraries expect): the decoded bytes. Anything else, for secrets set
 * before signing followed the standard: the secret's own utf8 bytes.
 */
export function webhookKey(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) return Buffer.from(secret, 'utf8');
  const encoded = secret.slice(SECRET_PREFIX.length);
  // Buffer.from(…, 'base64') skips what it cannot read; a typo must not quietly change the key.
  if (!BASE64.test(encoded)) throw new ValidationError(`a ${SECRET_PREFIX} secret must be followed by standard base64`);
  return Buffer.from(encoded, 'base64');
}

/** Why a secret cannot sign, or null: for config validation (one clear line at start). */
export function webhookSecretProblem(secret: string): string | null {
  let key: Buffer;
  try {
    key = webhookKey(secret);
  } catch (err) {
    return `${(err as Error).message} (e.g. ${SECRET_PREFIX}$(openssl rand -base64 32)), or be a plain secret without that prefix`;
  }
  if (key.length < MIN_KEY_BYTES) {
    return secret.startsWith(SECRET_PREFIX) ? `must decode to at least ${MIN_KEY_BYTES} bytes` : `must be at least ${MIN_KEY_BYTES} characters`;
  }
  return null;
}
