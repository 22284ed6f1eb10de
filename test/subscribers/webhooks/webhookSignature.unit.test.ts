import { createHmac } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { standardSignature, standardWebhookHeaders, webhookKey } from '../../../src/subscribers/webhooks/signWebhook.ts';
import { verifyWebhook } from '../../../src/subscribers/webhooks/verifyWebhook.ts';

// The Standard Webhooks specification's published test vector: matching it is what lets
// a receiver verify accrue's deliveries with any of that specification's libraries.
const vector = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};
const at = (seconds: number) => new Date(seconds * 1000);

describe('Standard Webhooks signatures', () => {
  it('reproduce the specification test vector, and its verifier accepts it', () => {
    expect(standardSignature(webhookKey(vector.secret), vector.id, vector.timestamp, vector.body)).toBe(vector.signature);
    expect(standardWebhookHeaders(vector.id, vector.body, vector.secret, at(vector.timestamp))).toEqual({
      'webhook-id': vector.id,
      'webhook-timestamp': String(vector.timestamp),
      'webhook-signature': vector.signature,
    });
    const headers = { 'webhook-id': vector.id, 'webhook-timestamp': String(vector.timestamp), 'webhook-signature': vector.signature };
    expect(verifyWebhook(vector.body, headers, vector.secret, { now: at(vector.timestamp + 10) })).toEqual({ ok: true, id: vector.id, timestamp: vector.timestamp });
    expect(verifyWebhook(Buffer.from(vector.body), new Headers(headers), vector.secret, { now: at(vector.timestamp) }).ok).toBe(true);
  });

  it('a plain (pre-standard) secret keys the HMAC with its utf8 bytes', () => {
    const secret = 'a-plain-secret-0123456789-ünïcode';
    const expected = createHmac('sha256', Buffer.from(secret, 'utf8')).update(`m1.1700000000.{}`).digest('base64');
    expect(standardSignature(webhookKey(secret), 'm1', 1700000000, '{}')).toBe(`v1,${expected}`);
    const headers = standardWebhookHeaders('m1', '{}', secret, at(1700000000));
    expect(verifyWebhook('{}', headers, secret, { now: at(1700000000) }).ok).toBe(true);
  });

  it('the verifier refuses a tampered body, another secret, an old or future timestamp, a changed id and missing headers', () => {
    const now = at(vector.timestamp);
    const headers = { 'webhook-id': vector.id, 'webhook-timestamp': String(vector.timestamp), 'webhook-signature': vector.signature };
    const refused = (body: string, h: Record<string, string | undefined>, secret = vector.secret, when = now) => {
      const r = verifyWebhook(body, h, secret, { now: when });
      return r.ok ? 'accepted' : r.reason;
    };
    expect(refused('{"test": 2432232315}', headers)).toMatch(/no v1 signature/);
    expect(refused(`${vector.body} `, headers)).toMatch(/no v1 signature/);
    expect(refused(vector.body, headers, 'whsec_c2VjcmV0LW9mLWFub3RoZXItZW5kcG9pbnQ=')).toMatch(/no v1 signature/);
    expect(refused(vector.body, { ...headers, 'webhook-id': 'msg_other' })).toMatch(/no v1 signature/);
    // A recorded delivery sent again 5 minutes and 1 second later: a replay.
    expect(refused(vector.body, headers, vector.secret, at(vector.timestamp + 301))).toMatch(/301 s from now \(more than 300 s\)/);
    expect(refused(vector.body, headers, vector.secret, at(vector.timestamp + 300))).toBe('accepted');
    expect(refused(vector.body, headers, vector.secret, at(vector.timestamp - 301))).toMatch(/more than 300 s/);
    expect(refused(vector.body, { ...headers, 'webhook-timestamp': '1614265330.5' })).toMatch(/not unix seconds/);
    expect(refused(vector.body, { ...headers, 'webhook-signature': undefined })).toMatch(/missing/);
    expect(refused(vector.body, { ...headers, 'webhook-signature': 'v1,' })).toMatch(/no v1 signature/);
    // Several signatures (a sender rotating secrets): one match is enough.
    expect(refused(vector.body, { ...headers, 'webhook-signature': `v1,AAAA ${vector.signature}` })).toBe('accepted');
  });

  it('config: a whsec_ secret must be base64 of 16+ bytes, a plain one 16+ characters; the notify secret is optional', () => {
    const url = 'http://127.0.0.1:9/hook';
    expect(() => loadConfig({ ACCRUE_WEBHOOK_URL: url, ACCRUE_WEBHOOK_SECRET: 'whsec_not base64!' })).toThrow(
      /ACCRUE_WEBHOOK_SECRET: a whsec_ secret must be followed by standard base64/,
    );
    expect(() => loadConfig({ ACCRUE_WEBHOOK_URL: url, ACCRUE_WEBHOOK_SECRET: 'whsec_c2hvcnQ=' })).toThrow(/ACCRUE_WEBHOOK_SECRET: must decode to at least 16 bytes/);
    expect(() => loadConfig({ ACCRUE_WEBHOOK_URL: url, ACCRUE_WEBHOOK_SECRET: 'short' })).toThrow(/ACCRUE_WEBHOOK_SECRET: must be at least 16 characters/);
    expect(() => loadConfig({ ACCRUE_NOTIFY_WEBHOOK_URL: url, ACCRUE_NOTIFY_WEBHOOK_SECRET: 'whsec_%%' })).toThrow(/ACCRUE_NOTIFY_WEBHOOK_SECRET/);
    expect(loadConfig({ ACCRUE_WEBHOOK_URL: url, ACCRUE_WEBHOOK_SECRET: vector.secret }).ACCRUE_WEBHOOK_SECRET).toBe(vector.secret);
    expect(loadConfig({ ACCRUE_WEBHOOK_URL: url, ACCRUE_WEBHOOK_SECRET: 'webhook-secret-0123456789' }).ACCRUE_WEBHOOK_URL).toBe(url);
    expect(loadConfig({ ACCRUE_NOTIFY_WEBHOOK_URL: url }).ACCRUE_NOTIFY_WEBHOOK_SECRET).toBeUndefined();
  });
});

describe('the five-line receiver in docs/subscribers.md', () => {
  it('accepts what accrue sends and refuses a tampered body, another secret and a 5-minute-old delivery', async () => {
    const doc = await readFile(path.resolve(import.meta.dirname, '../../../docs/subscribers.md'), 'utf8');
    const block = /<!-- verify-snippet[^>]*-->\s*```js\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(block).toBeDefined();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'accrue-verify-'));
    try {
      const file = path.join(dir, 'verify.mjs');
      await writeFile(file, block!);
      const { verify } = (await import(pathToFileURL(file).href)) as { verify: (body: Buffer, h: Record<string, string>, secret: string) => boolean };
      const body = '{"eventId":"e1","data":{"amount":100}}';
      for (const secret of [vector.secret, 'a-plain-secret-0123456789']) {
        const fresh = standardWebhookHeaders('e1', body, secret, new Date());
        expect(verify(Buffer.from(body), fresh, secret)).toBe(true);
        expect(verify(Buffer.from(body.replace('100', '1000')), fresh, secret)).toBe(false);
        expect(verify(Buffer.from(body), fresh, 'whsec_c2VjcmV0LW9mLWFub3RoZXItZW5kcG9pbnQ=')).toBe(false);
        expect(verify(Buffer.from(body), standardWebhookHeaders('e1', body, secret, new Date(Date.now() - 301_000)), secret)).toBe(false);
        expect(verify(Buffer.from(body), {}, secret)).toBe(false);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
