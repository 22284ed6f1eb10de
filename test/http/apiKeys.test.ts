import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, findPrincipalByToken, insertApiKey } from '../../src/auth/apiKeys.ts';
import { createTestApi, type TestApi } from '../helpers/testApi.ts';

/** Costs: one test database, ~40 requests through app.request(); the clock is a variable. */
let api: TestApi;
let clock = new Date('2026-03-01T12:00:00Z');
const advance = (ms: number) => (clock = new Date(clock.getTime() + ms));

beforeAll(async () => {
  api = await createTestApi({ now: () => clock });
});
afterAll(async () => {
  await api.drop();
});

const operatorEvents = (subject: string) =>
  sql<{ type: string; actor: string; data: Record<string, unknown> }>`
    SELECT type, actor, data FROM audit_operator_actions WHERE subject = ${subject} ORDER BY position`
    .execute(api.t.db)
    .then((r) => r.rows);

describe('/v1/api-keys', () => {
  it('an admin creates a key (token once), lists and reads it without the token, revokes it: the next request gets 401', async () => {
    const admin = await createApiKey(api.t.db, { name: 'ops', scopes: ['admin'] }, undefined, clock);
    const created = await api.call('POST', '/v1/api-keys', { token: admin.token, body: { name: 'billing sync', scopes: ['invoices:read', 'events:write'] } });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    expect(created.body).toMatchObject({ name: 'billing sync', scopes: ['invoices:read', 'events:write'], status: 'active', expiresAt: null, revokedAt: null, lastUsedAt: null });
    const { id, token } = created.body as { id: string; token: string };
    expect(token).toMatch(/^acc_/);

    expect((await api.call('GET', '/v1/invoices', { token })).status).toBe(200);
    const list = await api.call('GET', '/v1/api-keys', { token: admin.token });
    expect(list.status).toBe(200);
    const listed = list.body.items.find((k: { id: string }) => k.id === id);
    expect(listed).toMatchObject({ id, status: 'active', lastUsedAt: clock.toISOString() });
    expect(JSON.stringify(list.body)).not.toContain(token);
    expect(JSON.stringify(list.body)).not.toContain('token');
    expect((await api.call('GET', `/v1/api-keys/${id}`, { token: admin.token })).body).toEqual(listed);

    advance(1_000);
    const revoked = await api.call('POST', `/v1/api-keys/${id}/revoke`, { token: admin.token });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id, status: 'revoked', revokedAt: clock.toISOString(), alreadyRevoked: false });
    const next = await api.call('GET', '/v1/invoices', { token });
    expect(next.status).toBe(401);
    expect(next.headers.get('www-authenticate')).toBe('Bearer');

    const again = await api.call('POST', `/v1/api-keys/${id}/revoke`, { token: admin.token });
    expect(again.body).toMatchObject({ status: 'revoked', alreadyRevoked: true });

    // Each operation is one audited event with the calling key as actor; none holds the token.
    expect(await operatorEvents(id)).toEqual([
      { type: 'ApiKeyCreated', actor: `api-key:${admin.id}`, data: { keyId: id, name: 'billing sync', scopes: ['invoices:read', 'events:write'] } },
      { type: 'ApiKeyRevoked', actor: `api-key:${admin.id}`, data: { keyId: id, name: 'billing sync' } },
    ]);
    const stored = await sql<{ n: number }>`
      SELECT (SELECT count(*) FROM events WHERE data::text LIKE '%' || ${token} || '%')
           + (SELECT count(*) FROM idempotency_keys WHERE response::text LIKE '%' || ${token} || '%')
           + (SELECT count(*) FROM api_keys WHERE token_hash = ${token}) AS n`.execute(api.t.db);
    expect(Number(stored.rows[0]!.n)).toBe(0);
  });

  it('needs the admin scope for every key operation', async () => {
    const writer = await createApiKey(api.t.db, { name: 'writer', scopes: ['invoices:write', 'invoices:read', 'events:write', 'reports:read'] });
    for (const [method, path, body] of [
      ['GET', '/v1/api-keys', undefined],
      ['GET', `/v1/api-keys/${writer.id}`, undefined],
      ['POST', '/v1/api-keys', { name: 'escalate', scopes: ['admin'] }],
      ['POST', `/v1/api-keys/${writer.id}/revoke`, undefined],
    ] as const) {
      expect((await api.call(method, path, { token: writer.token, body })).status, `${method} ${path}`).toBe(403);
    }
  });

  it('an expiring key works until its expiry and gets 401 from then on', async () => {
    const res = await api.call('POST', '/v1/api-keys', { body: { name: 'contractor', scopes: ['reports:read'], expiresIn: '30d' } });
    expect(res.status).toBe(201);
    const expiresAt = new Date(clock.getTime() + 30 * 86_400_000).toISOString();
    expect(res.body).toMatchObject({ status: 'active', expiresAt });
    // The bootstrap token is the actor; the expiry is part of the audited event.
    expect(await operatorEvents(res.body.id)).toEqual([
      { type: 'ApiKeyCreated', actor: 'bootstrap', data: { keyId: res.body.id, name: 'contractor', scopes: ['reports:read'], expiresAt } },
    ]);
    const at = await api.call('POST', '/v1/api-keys', { body: { name: 'auditor', scopes: ['reports:read'], expiresAt: '2026-03-02' } });
    expect(at.body.expiresAt).toBe('2026-03-02T00:00:00.000Z');

    advance(30 * 86_400_000 - 1_000);
    expect((await api.call('GET', '/v1/reports/months', { token: res.body.token })).status).toBe(200);
    expect((await api.call('GET', '/v1/reports/months', { token: at.body.token })).status).toBe(401);
    advance(1_000);
    expect((await api.call('GET', '/v1/reports/months', { token: res.body.token })).status).toBe(401);
    expect((await api.call('GET', `/v1/api-keys/${res.body.id}`)).body).toMatchObject({ status: 'expired', revokedAt: null });
  });

  it('records the last use at most once a minute', async () => {
    const key = await createApiKey(api.t.db, { name: 'busy', scopes: ['invoices:read'] }, undefined, clock);
    const lastUsed = async () =>
      (await api.t.db.selectFrom('api_keys').select('last_used_at').where('id', '=', key.id).executeTakeFirstOrThrow()).last_used_at?.toISOString();
    expect(await lastUsed()).toBeUndefined();
    const first = clock.toISOString();
    await api.call('GET', '/v1/invoices', { token: key.token });
    expect(await lastUsed()).toBe(first);
    advance(59_000);
    await api.call('GET', '/v1/invoices', { token: key.token });
    expect(await lastUsed()).toBe(first);
    advance(1_000);
    await api.call('GET', '/v1/invoices', { token: key.token });
    expect(await lastUsed()).toBe(clock.toISOString());
  });

  it('bad input is a 400 naming the field; an unknown key 404; the bootstrap token cannot be revoked (409); nothing written', async () => {
    const before = await api.t.db.selectFrom('events').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ name: 'x', scopes: ['invoices:read'], expiresAt: '2020-01-01' }, 'expiresAt'],
      [{ name: 'x', scopes: ['invoices:read'], expiresAt: 'next tuesday' }, 'expiresAt'],
      [{ name: 'x', scopes: ['invoices:read'], expiresAt: '2027-01-01T00:00:00' }, 'expiresAt'],
      [{ name: 'x', scopes: ['invoices:read'], expiresIn: '30 days' }, 'expiresIn'],
      [{ name: 'x', scopes: ['invoices:read'], expiresIn: '0d' }, 'expiresIn'],
      [{ name: 'x', scopes: ['invoices:read'], expiresIn: '1d', expiresAt: '2027-01-01' }, 'expiresAt'],
      [{ name: 'x', scopes: ['superuser'] }, 'scopes.0'],
      [{ name: 'x', scopes: [] }, 'scopes'],
      [{ name: '', scopes: ['admin'] }, 'name'],
      [{ name: 'x', scopes: ['admin'], token: 'acc_mine' }, ''],
    ];
    for (const [body, field] of cases) {
      const res = await api.call('POST', '/v1/api-keys', { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      if (field) expect(res.body.errors.map((e: { field: string }) => e.field), JSON.stringify(body)).toContain(field);
    }
    const replayable = await api.call('POST', '/v1/api-keys', { body: { name: 'x', scopes: ['admin'] }, headers: { 'idempotency-key': 'k1' } });
    expect(replayable.status).toBe(400);
    expect(replayable.body.errors[0].field).toBe('Idempotency-Key');

    const unknown = await api.call('POST', '/v1/api-keys/key_nope/revoke');
    expect(unknown.status).toBe(404);
    expect((await api.call('GET', '/v1/api-keys/key_nope')).status).toBe(404);
    const bootstrap = await api.call('POST', '/v1/api-keys/bootstrap/revoke');
    expect(bootstrap.status).toBe(409);
    expect(bootstrap.body.detail).toMatch(/ACCRUE_BOOTSTRAP_TOKEN/);
    expect((await api.call('GET', '/v1/invoices')).status).toBe(200);

    const after = await api.t.db.selectFrom('events').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });

  it("insertApiKey writes in the caller's transaction: a rollback leaves neither the key nor its ApiKeyCreated", async () => {
    let token = '';
    let id = '';
    const attempt = api.t.db.transaction().execute(async (tx) => {
      const key = await insertApiKey(tx, { name: 'rolled back', scopes: ['admin'] }, { actor: 'test', correlationId: 'rb-1' }, clock);
      ({ token, id } = key);
      expect(await findPrincipalByToken(tx, token, clock)).toMatchObject({ id });
      throw new Error('the caller gives up');
    });
    await expect(attempt).rejects.toThrow('the caller gives up');
    expect(await findPrincipalByToken(api.t.db, token, clock)).toBeNull();
    expect(await operatorEvents(id)).toEqual([]);
  });

  it('is in the OpenAPI document', async () => {
    const doc = await api.call('GET', '/openapi.json', { token: null });
    for (const path of ['/v1/api-keys', '/v1/api-keys/{id}', '/v1/api-keys/{id}/revoke']) expect(doc.body.paths[path], path).toBeDefined();
  });
});
