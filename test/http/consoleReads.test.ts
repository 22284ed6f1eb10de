import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/apiKeys.ts';
import { operatorRoutes } from '../../src/http/routes/operatorRoutes.ts';
import { createTestApi, type TestApi } from '../helpers/testApi.ts';

// The /v1 reads the console needed and the API lacked: who the token is, closed
// periods, the pipeline per minute, the archive by error text, invoices by the
// customer's external id. Costs: one test database, ~20 requests through app.request().
let api: TestApi;
const clock = new Date('2026-03-10T12:34:56Z');

beforeAll(async () => {
  api = await createTestApi({ now: () => clock }, {}, [operatorRoutes({ getBoss: () => Promise.reject(new Error('no replay here')) })]);
});
afterAll(async () => {
  await api.drop();
});

describe('reads for the console', () => {
  it('GET /v1/me names the caller and its scopes, never the token; 401 without one', async () => {
    const key = await createApiKey(api.t.db, { name: 'finance', scopes: ['reports:read'] }, undefined, clock);
    const me = await api.call('GET', '/v1/me', { token: key.token });
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ id: key.id, name: 'finance', scopes: ['reports:read'] });
    expect(JSON.stringify(me.body)).not.toContain(key.token);
    expect((await api.call('GET', '/v1/me')).body).toMatchObject({ id: 'bootstrap', scopes: expect.arrayContaining(['admin']) });
    expect((await api.call('GET', '/v1/me', { token: null })).status).toBe(401);
  });

  it('GET /v1/periods lists closed months with who closed them; reports:read suffices, the close stays admin', async () => {
    expect((await api.call('GET', '/v1/periods')).body).toEqual({ items: [] });
    expect((await api.call('POST', '/v1/periods/2026-01/close')).status).toBe(201);
    const reader = await createApiKey(api.t.db, { name: 'reader', scopes: ['reports:read'] }, undefined, clock);
    const list = await api.call('GET', '/v1/periods', { token: reader.token });
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([{ period: '2026-01', closedAt: expect.any(String), closedBy: 'bootstrap', locked: false, lockedAt: null }]);
    expect((await api.call('POST', '/v1/periods/2026-02/close', { token: reader.token })).status).toBe(403);
  });

  it('GET /v1/ops/throughput answers one entry per minute of the window, empty minutes included; admin only', async () => {
    const res = await api.call('GET', '/v1/ops/throughput?minutes=5');
    expect(res.status).toBe(200);
    expect(res.body.minutes).toHaveLength(5);
    expect(res.body.to).toBe('2026-03-10T12:35:00.000Z');
    expect(res.body.minutes[0]).toEqual({ minute: '2026-03-10T12:30:00.000Z', relayed: 0, completed: 0, failed: 0, lagAvgMs: null, lagMaxMs: null });
    expect((await api.call('GET', '/v1/ops/throughput?minutes=0')).status).toBe(400);
    const reader = await createApiKey(api.t.db, { name: 'r2', scopes: ['reports:read'] }, undefined, clock);
    expect((await api.call('GET', '/v1/ops/throughput', { token: reader.token })).status).toBe(403);
  });

  it('GET /v1/archive?error= matches part of the error message in any case', async () => {
    await sql`INSERT INTO failed_job_archive (job_id, queue, subscriber, payload, error_message, attempts)
      VALUES (gen_random_uuid(), 'revenue', 'revenue', '{}', 'Connection RESET by peer', 4),
             (gen_random_uuid(), 'revenue', 'revenue', '{}', 'invalid event envelope', 1)`.execute(api.t.owner);
    const hits = await api.call('GET', '/v1/archive?error=reset%20BY');
    expect(hits.body.total).toBe(1);
    expect(hits.body.items[0].errorMessage).toBe('Connection RESET by peer');
    expect((await api.call('GET', '/v1/archive')).body.total).toBe(2);
  });

  it("GET /v1/invoices?customerExternalId= lists the invoices of the customer with that external id", async () => {
    const a = await api.call('POST', '/v1/customers', { body: { name: 'A', email: 'a@example.com', externalId: 'crm-42' } });
    const b = await api.call('POST', '/v1/customers', { body: { name: 'B', email: 'b@example.com' } });
    const line = [{ lineId: 'l', kind: 'revenue', description: 'Plan', amount: 100 }];
    const mine = await api.call('POST', '/v1/invoices', { body: { customerId: a.body.id, currency: 'USD', lines: line } });
    await api.call('POST', '/v1/invoices', { body: { customerId: b.body.id, currency: 'USD', lines: line } });
    const found = await api.call('GET', '/v1/invoices?customerExternalId=crm-42');
    expect(found.status).toBe(200);
    expect(found.body.items.map((i: { id: string }) => i.id)).toEqual([mine.body.id]);
    expect((await api.call('GET', '/v1/invoices?customerExternalId=nobody')).body.items).toEqual([]);
  });
});
