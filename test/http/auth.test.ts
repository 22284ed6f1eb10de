import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createApiKey, hashToken } from '../../src/auth/apiKeys.ts';
import { readStream } from '../../src/events/appendEvents.ts';
import { loadConfig } from '../../src/config.ts';
import { createCustomer, createTestApi, invoiceBody, type TestApi } from '../helpers/testApi.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(async () => {
  await api.drop();
});

describe('bearer auth and scopes', () => {
  it('401 without a token, with a malformed or unknown one, and with a revoked key', async () => {
    const revoked = await createApiKey(api.t.db, { name: 'old', scopes: ['admin'] });
    await api.t.db.updateTable('api_keys').set({ revoked_at: new Date() }).where('id', '=', revoked.id).execute();
    for (const token of [null, 'nope', 'acc_unknownunknownunknown', revoked.token]) {
      const res = await api.call('GET', '/v1/invoices', { token });
      expect(res.status, String(token)).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
    const basic = await api.app.request('/v1/invoices', { headers: { authorization: 'Basic dXNlcjpwdw==' } });
    expect(basic.status).toBe(401);
  });

  it('stores only a sha256 of the token', async () => {
    const key = await createApiKey(api.t.db, { name: 'hash-check', scopes: ['invoices:read'] });
    const row = await api.t.db.selectFrom('api_keys').selectAll().where('id', '=', key.id).executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(hashToken(key.token));
    const leaked = await sql<{ n: number }>`SELECT count(*)::int AS n FROM api_keys WHERE token_hash = ${key.token} OR name = ${key.token}`.execute(api.t.db);
    expect(leaked.rows[0]!.n).toBe(0);
  });

  it('403 per scope; admin and the bootstrap token can do everything; the key is the actor', async () => {
    const reader = await createApiKey(api.t.db, { name: 'reader', scopes: ['invoices:read'] });
    const writer = await createApiKey(api.t.db, { name: 'writer', scopes: ['invoices:write'] });
    const importer = await createApiKey(api.t.db, { name: 'importer', scopes: ['events:write'] });
    const admin = await createApiKey(api.t.db, { name: 'admin', scopes: ['admin'] });
    const customerId = await createCustomer(api);
    const event = { eventId: 'auth-e1', type: 'InvoiceReminderSent', occurredAt: '2026-01-01', invoiceId: 'inv_x', data: { channel: 'email' } };
    const cases: Array<[string, string, string, unknown, number]> = [
      [reader.token, 'GET', '/v1/invoices', undefined, 200],
      [reader.token, 'POST', '/v1/invoices', invoiceBody(customerId), 403],
      [reader.token, 'POST', '/v1/events', event, 403],
      [writer.token, 'GET', '/v1/invoices', undefined, 403],
      [writer.token, 'POST', '/v1/periods/2025-01/close', undefined, 403],
      [importer.token, 'POST', '/v1/invoices', invoiceBody(customerId), 403],
      [importer.token, 'POST', '/v1/events', event, 201],
      [writer.token, 'POST', '/v1/invoices', invoiceBody(customerId), 201],
      [admin.token, 'GET', '/v1/customers', undefined, 200],
      [admin.token, 'POST', '/v1/periods/2025-01/close', undefined, 201],
    ];
    for (const [token, method, path, body, status] of cases) {
      const res = await api.call(method, path, { token, body });
      expect(res.status, `${method} ${path}`).toBe(status);
    }
    const created = await api.call('POST', '/v1/invoices', { token: writer.token, body: invoiceBody(customerId) });
    const [e] = await readStream(api.t.db, 'invoice', created.body.id);
    expect(e!.actor).toBe(`api-key:${writer.id}`);
  });

  it('a 403 is decided before the body is validated (no field leaks to callers without the scope)', async () => {
    const reader = await createApiKey(api.t.db, { name: 'reader2', scopes: ['invoices:read'] });
    const res = await api.call('POST', '/v1/invoices', { token: reader.token, body: { nonsense: true } });
    expect(res.status).toBe(403);
  });
});

describe('OpenAPI', () => {
  it('serves an OpenAPI 3.1 document from the zod schemas, and a docs page, without auth', async () => {
    const doc = await api.call('GET', '/openapi.json', { token: null });
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    for (const path of ['/v1/customers', '/v1/customers/{id}', '/v1/invoices', '/v1/invoices/{id}', '/v1/invoices/{id}/void',
      '/v1/invoices/{id}/payments', '/v1/invoices/{id}/reminders', '/v1/events', '/v1/periods/{period}/close']) {
      expect(doc.body.paths[path], path).toBeDefined();
    }
    const lineKinds = doc.body.components.schemas.CreateInvoice.properties.lines.items.properties.kind.enum;
    expect(lineKinds).toEqual(['revenue', 'discount', 'tax']);
    const docs = await api.call('GET', '/docs', { token: null });
    expect(docs.status).toBe(200);
    expect(docs.body).toContain('/openapi.json');
  });

  it('every operation has a unique operationId and a tag; If-Match is required where the server answers 428 without it', async () => {
    const doc = (await api.call('GET', '/openapi.json', { token: null })).body;
    const ops = Object.values(doc.paths as Record<string, Record<string, { operationId?: string; tags?: string[] }>>).flatMap((item) => Object.values(item));
    expect(ops.every((op) => op.operationId && op.tags && op.tags.length > 0)).toBe(true);
    expect(new Set(ops.map((op) => op.operationId)).size).toBe(ops.length);
    expect(doc.servers).toHaveLength(1);
    expect(doc.info.license.name).toBeTruthy();
    const ifMatch = (path: string) => doc.paths[path].patch.parameters.find((p: { name: string }) => p.name === 'if-match');
    expect(ifMatch('/v1/invoices/{id}').required).toBe(true);
    expect(ifMatch('/v1/customers/{id}').required).toBe(false);
  });

  it('GET / answers a small index with links', async () => {
    const res = await api.call('GET', '/', { token: null });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'accrue', version: expect.stringMatching(/^\d+\.\d+\.\d+/), links: { docs: '/docs', console: '/console', openapi: '/openapi.json' } });
    for (const link of Object.values(res.body.links as Record<string, string>).filter((l) => l !== '/v1')) {
      expect((await api.call('GET', link, { token: null })).status, link).toBe(200);
    }
  });

  it('unknown routes are problem+json 404', async () => {
    const res = await api.call('GET', '/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });
});

describe('CORS (ACCRUE_CORS_ORIGINS)', () => {
  it('is a comma-separated list of origins, checked at start', () => {
    expect(loadConfig({ ACCRUE_CORS_ORIGINS: 'https://a.example, http://localhost:5173' }).ACCRUE_CORS_ORIGINS).toEqual(['https://a.example', 'http://localhost:5173']);
    expect(() => loadConfig({ ACCRUE_CORS_ORIGINS: 'https://a.example/app' })).toThrow(/ACCRUE_CORS_ORIGINS.*no path/);
    expect(loadConfig({}).ACCRUE_CORS_ORIGINS).toBeUndefined();
  });

  it('none by default: no CORS headers, a preflight is not let through', async () => {
    const res = await api.call('OPTIONS', '/v1/invoices', { token: null, headers: { origin: 'https://books.example.com', 'access-control-request-method': 'POST' } });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('a configured origin gets a 204 preflight without a token, and the headers a client reads are exposed', async () => {
    const corsApi = await createTestApi({ corsOrigins: ['https://books.example.com'] });
    try {
      const preflight = await corsApi.call('OPTIONS', '/v1/invoices', {
        token: null,
        headers: { origin: 'https://books.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, idempotency-key' },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('https://books.example.com');
      expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Idempotency-Key/);
      const get = await corsApi.call('GET', '/v1/customers', { headers: { origin: 'https://books.example.com' } });
      expect(get.status).toBe(200);
      expect(get.headers.get('access-control-expose-headers')).toMatch(/ETag.*Location/);
      const other = await corsApi.call('GET', '/v1/customers', { headers: { origin: 'https://evil.example' } });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await corsApi.drop();
    }
  });
});
