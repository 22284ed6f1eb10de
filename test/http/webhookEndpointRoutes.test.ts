import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolveHost } from '../../src/subscribers/webhooks/checkWebhookUrl.ts';
import { createTestApi, type TestApi } from '../helpers/testApi.ts';

// A resolver standing in for DNS: names under .example resolve to what the test says.
const dns: Record<string, string[]> = {
  'hooks.example': ['93.184.215.14'],
  'internal.example': ['10.0.0.5'],
  'mixed.example': ['93.184.215.14', '127.0.0.1'],
  'metadata.example': ['169.254.169.254'],
  'v6local.example': ['fd00::1'],
};
const resolve: ResolveHost = async (host) => {
  const addresses = dns[host];
  if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

describe('/v1/webhook-endpoints (CRUD, validation, SSRF at registration)', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi({ webhooks: { allowPrivate: false, resolve } });
  });
  afterAll(async () => {
    await api?.drop();
  });

  it('creates (secret shown once), reads, lists, updates and deletes an endpoint; each change is an event without the secret', async () => {
    const created = await api.call('POST', '/v1/webhook-endpoints', {
      body: { url: 'https://hooks.example/accrue?token=abc', eventTypes: ['InvoicePaid'], description: 'finance bot' },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    const { id, secret } = created.body;
    expect(created.headers.get('location')).toBe(`/v1/webhook-endpoints/${id}`);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(created.body).toMatchObject({ url: 'https://hooks.example/accrue?token=abc', eventTypes: ['InvoicePaid'], description: 'finance bot', enabled: true, fromConfig: false });

    // Only the types some endpoint takes are routed to the webhooks subscriber (no endpoint: no job per event).
    const routed = async () => (await api.t.db.selectFrom('subscriptions').select('event_type').where('subscriber', '=', 'webhooks').execute()).map((r) => r.event_type).sort();
    expect(await routed()).toEqual(['InvoicePaid']);

    const got = await api.call('GET', `/v1/webhook-endpoints/${id}`);
    expect(got.status).toBe(200);
    expect(got.body.secret).toBeUndefined();
    const { secret: _s, ...withoutSecret } = created.body;
    expect(got.body).toEqual(withoutSecret);
    expect((await api.call('GET', '/v1/webhook-endpoints')).body.items.map((e: { id: string }) => e.id)).toContain(id);

    // Rotate without a body: the default overlap (a day); a bad overlap is a 400 naming it.
    const rotated = await api.call('POST', `/v1/webhook-endpoints/${id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(secret);
    expect(Date.parse(rotated.body.previousSecretExpiresAt) - Date.now()).toBeGreaterThan(23 * 3600_000);
    const badOverlap = await api.call('POST', `/v1/webhook-endpoints/${id}/rotate-secret`, { body: { overlapSeconds: -1 } });
    expect(badOverlap.status).toBe(400);
    expect(badOverlap.body.errors[0].field).toBe('overlapSeconds');

    const patched = await api.call('PATCH', `/v1/webhook-endpoints/${id}`, { body: { eventTypes: '*', enabled: false } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ eventTypes: '*', enabled: false, description: 'finance bot' });
    expect(await routed()).toContain('CustomerCreated');
    // Nothing to change: no event.
    expect((await api.call('PATCH', `/v1/webhook-endpoints/${id}`, { body: { enabled: false } })).status).toBe(200);

    expect((await api.call('DELETE', `/v1/webhook-endpoints/${id}`)).body).toEqual({ id, deleted: true });
    expect((await api.call('GET', `/v1/webhook-endpoints/${id}`)).status).toBe(404);
    expect((await api.call('DELETE', `/v1/webhook-endpoints/${id}`)).status).toBe(404);
    expect((await api.call('PATCH', `/v1/webhook-endpoints/${id}`, { body: { enabled: true } })).status).toBe(404);

    const events = await api.t.db.selectFrom('events').select(['type', 'data', 'actor']).where('aggregate_id', '=', id).orderBy('position').execute();
    expect(events.map((e) => e.type)).toEqual(['WebhookEndpointCreated', 'WebhookEndpointSecretRotated', 'WebhookEndpointUpdated', 'WebhookEndpointDeleted']);
    expect(events[0]!.data).toEqual({ endpointId: id, url: 'https://hooks.example/accrue', eventTypes: ['InvoicePaid'], description: 'finance bot', enabled: true });
    expect(events[2]!.data).toEqual({ endpointId: id, eventTypes: '*', enabled: false });
    expect(JSON.stringify(events)).not.toContain(secret.slice(6));
    expect(JSON.stringify(events)).not.toContain(rotated.body.secret.slice(6));
    expect(events[0]!.actor).toBe('bootstrap');
  });

  it('refuses bad input with a 400 naming the field, and writes nothing', async () => {
    const before = await api.t.db.selectFrom('webhook_endpoints').select('id').execute();
    const bad: [unknown, string][] = [
      [{}, 'url'],
      [{ url: 'not a url' }, 'url'],
      [{ url: 'ftp://hooks.example/x' }, 'url'],
      [{ url: 'https://hooks.example/x', eventTypes: ['InvoicePayed'] }, 'eventTypes'],
      [{ url: 'https://hooks.example/x', eventTypes: [] }, 'eventTypes'],
      [{ url: 'https://hooks.example/x', enabled: 'yes' }, 'enabled'],
      [{ url: 'https://hooks.example/x', secret: 'whsec_mine' }, '(root)'],
    ];
    for (const [body, field] of bad) {
      const res = await api.call('POST', '/v1/webhook-endpoints', { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(res.body.errors.map((e: { field: string }) => e.field).join(' '), JSON.stringify(body)).toContain(field);
    }
    expect((await api.call('POST', '/v1/webhook-endpoints', { body: { url: 'https://hooks.example/x' }, headers: { 'idempotency-key': 'k1' } })).status).toBe(400);
    expect((await api.call('GET', '/v1/webhook-endpoints/not-a-uuid')).status).toBe(400);
    expect((await api.call('PATCH', `/v1/webhook-endpoints/0190d0c2-0000-7000-8000-000000000000`, { body: { enabled: true } })).status).toBe(404);
    expect(await api.t.db.selectFrom('webhook_endpoints').select('id').execute()).toEqual(before);
  });

  it('refuses URLs that are or resolve to loopback, private, link-local or metadata addresses (422 naming url), or do not resolve', async () => {
    for (const url of [
      'http://127.0.0.1:8080/hook',
      'http://localhost/hook',
      'http://[::1]/hook',
      'http://169.254.169.254/latest/meta-data',
      'http://10.1.2.3/hook',
      'http://[fd00::1]/hook',
      'http://[::ffff:127.0.0.1]/hook',
      'https://internal.example/hook',
      'https://mixed.example/hook',
      'https://metadata.example/hook',
      'https://v6local.example/hook',
      'https://nowhere.example/hook',
    ]) {
      const res = await api.call('POST', '/v1/webhook-endpoints', { body: { url } });
      expect(res.status, url).toBe(422);
      expect(res.body.errors[0].field, url).toBe('url');
    }
    const ok = await api.call('POST', '/v1/webhook-endpoints', { body: { url: 'https://hooks.example/hook' } });
    expect(ok.status).toBe(201);
    // Changing the URL is checked the same way.
    const patched = await api.call('PATCH', `/v1/webhook-endpoints/${ok.body.id}`, { body: { url: 'http://192.168.1.10/hook' } });
    expect(patched.status).toBe(422);
    expect(patched.body.errors[0].field).toBe('url');
  });

  it('needs webhooks:manage (or admin)', async () => {
    const key = async (scopes: string[]) => (await api.call('POST', '/v1/api-keys', { body: { name: scopes.join('+'), scopes } })).body.token as string;
    const reader = await key(['invoices:read', 'events:read']);
    const manager = await key(['webhooks:manage']);
    const admin = await key(['admin']);
    expect((await api.call('GET', '/v1/webhook-endpoints', { token: reader })).status).toBe(403);
    expect((await api.call('POST', '/v1/webhook-endpoints', { token: reader, body: { url: 'https://hooks.example/x' } })).status).toBe(403);
    expect((await api.call('GET', '/v1/webhook-endpoints', { token: manager })).status).toBe(200);
    expect((await api.call('GET', '/v1/webhook-endpoints', { token: admin })).status).toBe(200);
    expect((await api.call('GET', '/v1/webhook-endpoints', { token: null })).status).toBe(401);
  });
});
