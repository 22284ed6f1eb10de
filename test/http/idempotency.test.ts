import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/apiKeys.ts';
import { countRows, createCustomer, createTestApi, invoiceBody, type TestApi } from '../helpers/testApi.ts';

let api: TestApi;
let customerId: string;
beforeAll(async () => {
  api = await createTestApi({}, { poolMax: 12 });
  customerId = await createCustomer(api);
});
afterAll(async () => {
  await api.drop();
});

describe('Idempotency-Key', () => {
  it('same key and body: the first response again, nothing more written', async () => {
    const body = invoiceBody(customerId);
    const first = await api.call('POST', '/v1/invoices', { body, headers: { 'idempotency-key': 'k1' } });
    expect(first.status).toBe(201);
    const after = await countRows(api.t);
    // same document, keys in another order: still the same request
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    const second = await api.call('POST', '/v1/invoices', { body: reordered, headers: { 'idempotency-key': 'k1' } });
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    // the first answer's headers too: a client retrying a create can follow it
    expect(second.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(second.headers.get('location')).toBe(`/v1/invoices/${first.body.id}`);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(await countRows(api.t)).toEqual(after);
  });

  it('same key, different body: 422 and nothing written', async () => {
    await api.call('POST', '/v1/invoices', { body: invoiceBody(customerId), headers: { 'idempotency-key': 'k2' } });
    const before = await countRows(api.t);
    const other = await api.call('POST', '/v1/invoices', { body: invoiceBody(customerId, { dueDate: '2026-02-28' }), headers: { 'idempotency-key': 'k2' } });
    expect(other.status).toBe(422);
    expect(other.headers.get('content-type')).toBe('application/problem+json');
    // another path with the same key is another request too
    const elsewhere = await api.call('POST', '/v1/customers', { body: { name: 'N', email: 'n@example.com' }, headers: { 'idempotency-key': 'k2' } });
    expect(elsewhere.status).toBe(422);
    expect(await countRows(api.t)).toEqual(before);
  });

  it('concurrent identical requests have one effect and the same answer', async () => {
    const before = await countRows(api.t);
    const body = invoiceBody(customerId, { dueDate: '2026-03-31' });
    const results = await Promise.all(
      Array.from({ length: 8 }, () => api.call('POST', '/v1/invoices', { body, headers: { 'idempotency-key': 'k3' } })),
    );
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(201));
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    const after = await countRows(api.t);
    expect(after.invoices - before.invoices).toBe(1);
    expect(after.events - before.events).toBe(1);
    expect(after.idempotency_keys - before.idempotency_keys).toBe(1);
  });

  it('keys are per caller, and a failed request does not burn its key', async () => {
    const bad = await api.call('POST', '/v1/invoices', { body: invoiceBody('cus_missing'), headers: { 'idempotency-key': 'k4' } });
    expect(bad.status).toBe(400);
    const good = await api.call('POST', '/v1/invoices', { body: invoiceBody(customerId), headers: { 'idempotency-key': 'k4' } });
    expect(good.status).toBe(201);
    const badKey = await api.call('POST', '/v1/invoices', { body: invoiceBody(customerId), headers: { 'idempotency-key': 'has space' } });
    expect(badKey.status).toBe(400);
    const other = await createApiKey(api.t.db, { name: 'other', scopes: ['invoices:write'] });
    const theirs = await api.call('POST', '/v1/invoices', { body: invoiceBody(customerId), headers: { 'idempotency-key': 'k4' }, token: other.token });
    expect(theirs.status).toBe(201);
    expect(theirs.headers.get('idempotent-replayed')).toBeNull();
    expect(theirs.body.id).not.toBe(good.body.id);
  });
});
