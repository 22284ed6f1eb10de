import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/apiKeys.ts';
import { ensureLocalToken } from '../../src/auth/localToken.ts';
import { createApp, type ApiApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/telemetry/logger.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase.ts';
import { invoiceBody } from '../helpers/testApi.ts';

/** Costs: one test database, ~15 requests; every log level captured. */
const BOOTSTRAP = 'bootstrap-secret-token-for-the-log-test';

describe('no secret in any log line', () => {
  const lines: string[] = [];
  let t: TestDatabase;
  let app: ApiApp;
  let dataDir: string;
  beforeAll(async () => {
    t = await createTestDatabase();
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'accrue-secrets-'));
    const log = createLogger({ level: 'trace', destination: new Writable({ write: (c, _e, done) => { lines.push(String(c)); done(); } }) });
    app = createApp({ db: t.db, log, bootstrapToken: BOOTSTRAP }, [
      // A bug that echoes what it got, header included, into an error and a log field.
      (a) => a.post('/v1/echo', (c) => {
        c.get('log').warn({ apiKey: c.req.header('authorization')?.slice(7) }, 'about to fail');
        throw new Error(`cannot handle request with authorization: ${c.req.header('authorization')}`);
      }),
    ]);
  });
  afterAll(async () => {
    await t.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('holds through a run that creates keys, uses them, fails auth and fails inside a handler', async () => {
    const writer = await createApiKey(t.db, { name: 'writer', scopes: ['invoices:write'] });
    const reader = await createApiKey(t.db, { name: 'reader', scopes: ['invoices:read'] });
    const local = await ensureLocalToken(t.db, dataDir);
    const wrong = 'acc_not-a-key-but-looks-like-one-0123456789';
    const call = (method: string, p: string, token: string | null, body?: unknown, authorization?: string) =>
      app.request(p, {
        method,
        headers: {
          ...(authorization ? { authorization } : token ? { authorization: `Bearer ${token}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });

    const customer = await call('POST', '/v1/customers', BOOTSTRAP, { name: 'Ada', email: 'ada@example.com' });
    expect(customer.status).toBe(201);
    const { id: customerId } = (await customer.json()) as { id: string };
    expect((await call('POST', '/v1/invoices', writer.token, invoiceBody(customerId))).status).toBe(201);
    expect((await call('POST', '/v1/invoices', local.token, invoiceBody(customerId))).status).toBe(201);
    expect((await call('GET', '/v1/invoices', reader.token)).status).toBe(200);
    expect((await call('POST', '/v1/invoices', reader.token, invoiceBody(customerId))).status).toBe(403);
    expect((await call('GET', '/v1/invoices', wrong)).status).toBe(401);
    expect((await call('GET', '/v1/invoices', null, undefined, `Basic ${Buffer.from(`u:${BOOTSTRAP}`).toString('base64')}`)).status).toBe(401);
    expect((await call('GET', '/v1/invoices', null)).status).toBe(401);
    expect((await call('POST', '/v1/echo', BOOTSTRAP, {})).status).toBe(500);
    expect((await call('POST', '/v1/echo', writer.token, {})).status).toBe(500);
    // A key made through the API: its token is in one response body and nowhere else.
    const made = await call('POST', '/v1/api-keys', BOOTSTRAP, { name: 'made', scopes: ['invoices:read'] });
    expect(made.status).toBe(201);
    const madeToken = ((await made.json()) as { token: string }).token;
    expect((await call('GET', '/v1/invoices', madeToken)).status).toBe(200);

    const all = lines.join('');
    // The run did log: an access line per request, the warnings and the two internal errors.
    expect(lines.filter((l) => l.includes('"msg":"request"'))).toHaveLength(12);
    expect(lines.filter((l) => l.includes('"msg":"request failed"'))).toHaveLength(2);
    expect(all).toContain('about to fail');
    for (const secret of [BOOTSTRAP, writer.token, reader.token, local.token, madeToken, wrong, Buffer.from(`u:${BOOTSTRAP}`).toString('base64')]) {
      expect(all).not.toContain(secret);
    }
    expect(all).not.toMatch(/bearer\s+(?!\[redacted\])/i);
    expect(all.toLowerCase()).not.toContain('"authorization"');
  });
});
