import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStoredEvent } from '../../src/events/envelope.ts';
import { readStream } from '../../src/events/appendEvents.ts';
import { todayUtc } from '../../src/values/dates.ts';
import { countRows, createCustomer, createTestApi, invoiceBody, revenueLine, type TestApi } from '../helpers/testApi.ts';

let api: TestApi;
let customerId: string;
beforeAll(async () => {
  api = await createTestApi();
  customerId = await createCustomer(api);
});
afterAll(async () => {
  await api.drop();
});

async function issue(overrides: Record<string, unknown> = {}) {
  const res = await api.call('POST', '/v1/invoices', { body: invoiceBody(customerId, overrides) });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; version: number; status: string; lines: unknown[]; total: number };
}

describe('invoices', () => {
  it('creates an issued invoice and its InvoiceCreated in the same call, with correlation and traceparent', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const res = await api.call('POST', '/v1/invoices', {
      body: invoiceBody(customerId, { lines: [revenueLine(), { lineId: 'tax', kind: 'tax', description: 'VAT', amount: 7300 }] }),
      headers: { 'x-correlation-id': 'order-42', traceparent },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-correlation-id')).toBe('order-42');
    expect(res.headers.get('etag')).toBe('"1"');
    expect(res.body).toMatchObject({ status: 'open', version: 1, currency: 'USD', currencyExponent: 2, total: 43800, tax: 7300, amountDue: 43800 });
    const [event] = await readStream(api.t.db, 'invoice', res.body.id);
    expect(event).toMatchObject({ type: 'InvoiceCreated', occurredAt: '2026-01-01', aggregateVersion: 1, correlationId: 'order-42', traceparent, actor: 'bootstrap', source: 'api' });
    expect(readStoredEvent(event).data).toMatchObject({ customerId, currency: 'USD', issuedAt: '2026-01-01', dueDate: '2026-01-31' });
  });

  it('generates a correlation id when none (or a bad one) is sent', async () => {
    const res = await api.call('GET', '/v1/customers', { headers: { 'x-correlation-id': 'bad id with spaces' } });
    expect(res.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('defaults the issue date to today and accepts zero-decimal currencies', async () => {
    const inv = await issue({ issuedAt: undefined, dueDate: undefined, currency: 'JPY', currencyExponent: 0, lines: [revenueLine({ amount: 1200, servicePeriod: undefined })] });
    const got = await api.call('GET', `/v1/invoices/${inv.id}`);
    expect(got.body).toMatchObject({ issuedAt: todayUtc(), currency: 'JPY', currencyExponent: 0, total: 1200 });
  });

  it('reads, lists by customer/status/date and pages with nextCursor', async () => {
    const other = await createCustomer(api, 'Bob');
    for (const day of ['2025-05-01', '2025-05-02', '2025-05-03']) {
      const r = await api.call('POST', '/v1/invoices', { body: invoiceBody(other, { issuedAt: day, dueDate: day }) });
      expect(r.status).toBe(201);
    }
    const page1 = await api.call('GET', `/v1/invoices?customerId=${other}&limit=2`);
    expect(page1.status).toBe(200);
    expect(page1.body.items).toHaveLength(2);
    expect(page1.body.nextCursor).toEqual(expect.any(String));
    const page2 = await api.call('GET', `/v1/invoices?customerId=${other}&limit=2&cursor=${page1.body.nextCursor}`);
    expect(page2.body.items).toHaveLength(1);
    expect(page2.body.nextCursor).toBeNull();
    const ids = [...page1.body.items, ...page2.body.items].map((i: { id: string }) => i.id);
    expect(new Set(ids).size).toBe(3);
    const ranged = await api.call('GET', `/v1/invoices?customerId=${other}&issuedFrom=2025-05-02&issuedTo=2025-05-02&status=open`);
    expect(ranged.body.items.map((i: { issuedAt: string }) => i.issuedAt)).toEqual(['2025-05-02']);
    const bad = await api.call('GET', '/v1/invoices?status=weird');
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toContain('status');
    expect((await api.call('GET', '/v1/invoices/inv_nope')).status).toBe(404);
  });

  it('PATCH replaces the lines with If-Match: 428 without, 412 when stale', async () => {
    const inv = await issue();
    const body = { lines: [revenueLine({ amount: 18250 })], reason: 'credit half' };
    expect((await api.call('PATCH', `/v1/invoices/${inv.id}`, { body })).status).toBe(428);
    const stale = await api.call('PATCH', `/v1/invoices/${inv.id}`, { body, headers: { 'if-match': '"5"' } });
    expect(stale.status).toBe(412);
    const ok = await api.call('PATCH', `/v1/invoices/${inv.id}`, { body, headers: { 'if-match': '"1"' } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ version: 2, total: 18250 });
    const events = await readStream(api.t.db, 'invoice', inv.id);
    expect(events.map((e) => [e.type, e.aggregateVersion])).toEqual([['InvoiceCreated', 1], ['InvoiceUpdated', 2]]);
    expect(events[1]!.occurredAt).toBe(todayUtc());
    expect(readStoredEvent(events[1]).data).toMatchObject({ customerId, currency: 'USD', reason: 'credit half' });
  });

  it('PATCH is a merge patch: only dueDate keeps the lines, lines replace them all; If-Match: * takes any version', async () => {
    const inv = await issue();
    const due = await api.call('PATCH', `/v1/invoices/${inv.id}`, { body: { dueDate: '2026-02-28' }, headers: { 'if-match': '"1"' } });
    expect(due.status).toBe(200);
    expect(due.body).toMatchObject({ version: 2, dueDate: '2026-02-28', lines: inv.lines, total: inv.total });
    const mergePatch = await api.call('PATCH', `/v1/invoices/${inv.id}`, {
      body: { dueDate: null }, headers: { 'if-match': '*' }, contentType: 'application/merge-patch+json',
    });
    expect(mergePatch.status).toBe(200);
    expect(mergePatch.body).toMatchObject({ version: 3, dueDate: null, total: inv.total });
    const lines = await api.call('PATCH', `/v1/invoices/${inv.id}`, { body: { lines: [revenueLine({ lineId: 'li_2', amount: 100 })] }, headers: { 'if-match': 'W/"3"' } });
    expect(lines.body.lines.map((l: { lineId: string }) => l.lineId)).toEqual(['li_2']);
    const nothing = await api.call('PATCH', `/v1/invoices/${inv.id}`, { body: { reason: 'no change' }, headers: { 'if-match': '*' } });
    expect(nothing.status).toBe(400);
    expect((await api.call('PATCH', `/v1/invoices/${inv.id}`, { body: { dueDate: '2026-03-31' } })).status).toBe(428);
  });

  it('payments: partial keeps it open, settling adds InvoicePaid; a duplicate paymentId is 409', async () => {
    const inv = await issue();
    const p1 = await api.call('POST', `/v1/invoices/${inv.id}/payments`, { body: { paymentId: 'pay_1', amount: 10000, receivedAt: '2026-01-05' } });
    expect(p1.status).toBe(200);
    expect(p1.body).toMatchObject({ status: 'open', amountPaid: 10000, amountDue: 26500 });
    const dup = await api.call('POST', `/v1/invoices/${inv.id}/payments`, { body: { paymentId: 'pay_1', amount: 5, receivedAt: '2026-01-05' } });
    expect(dup.status).toBe(409);
    const p2 = await api.call('POST', `/v1/invoices/${inv.id}/payments`, { body: { paymentId: 'pay_2', amount: 26500, receivedAt: '2026-01-06' } });
    expect(p2.body).toMatchObject({ status: 'paid', amountPaid: 36500, amountDue: 0, version: 4 });
    const events = await readStream(api.t.db, 'invoice', inv.id);
    expect(events.map((e) => [e.type, e.occurredAt])).toEqual([
      ['InvoiceCreated', '2026-01-01'],
      ['InvoicePaymentReceived', '2026-01-05'],
      ['InvoicePaymentReceived', '2026-01-06'],
      ['InvoicePaid', '2026-01-06'],
    ]);
    expect(events[3]!.data).toEqual({ paymentId: 'pay_2', amount: 26500, receivedAt: '2026-01-06' });
  });

  it('reminders, void and delete; impossible transitions answer 409 and write nothing', async () => {
    const inv = await issue();
    const reminded = await api.call('POST', `/v1/invoices/${inv.id}/reminders`, { body: { channel: 'email' } });
    expect(reminded.status).toBe(200);
    const voided = await api.call('POST', `/v1/invoices/${inv.id}/void`, { body: { reason: 'duplicate' } });
    expect(voided.body).toMatchObject({ status: 'void', voidReason: 'duplicate', amountDue: 0 });
    const before = await countRows(api.t);
    const attempts = [
      api.call('POST', `/v1/invoices/${inv.id}/void`, { body: { reason: 'again' } }),
      api.call('POST', `/v1/invoices/${inv.id}/payments`, { body: { paymentId: 'late', amount: 100 } }),
      api.call('PATCH', `/v1/invoices/${inv.id}`, { body: { lines: [revenueLine()] }, headers: { 'if-match': '3' } }),
      api.call('POST', `/v1/invoices/${inv.id}/reminders`, { body: { channel: 'sms' } }),
      api.call('DELETE', `/v1/invoices/${inv.id}`),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBe(409);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
    expect(await countRows(api.t)).toEqual(before);

    const other = await issue();
    const deleted = await api.call('DELETE', `/v1/invoices/${other.id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body.status).toBe('deleted');
    const tombstone = await api.call('GET', `/v1/invoices/${other.id}`);
    expect(tombstone.body).toMatchObject({ status: 'deleted', version: 2 });
    const types = (await readStream(api.t.db, 'invoice', other.id)).map((e) => [e.type, e.occurredAt]);
    expect(types).toEqual([['InvoiceCreated', '2026-01-01'], ['InvoiceDeleted', todayUtc()]]);
  });

  it('an unknown customer is a 400 naming customerId, and nothing is written', async () => {
    const before = await countRows(api.t);
    const res = await api.call('POST', '/v1/invoices', { body: invoiceBody('cus_missing') });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field: 'customerId', message: 'no customer cus_missing' }]);
    expect(await countRows(api.t)).toEqual(before);
  });
});

describe('customers', () => {
  it('create, read, list and update with events; If-Match optional but checked', async () => {
    const created = await api.call('POST', '/v1/customers', { body: { name: 'Zoë 🚀', email: 'zoe@example.com', externalId: 'crm-1' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Zoë 🚀', externalId: 'crm-1', version: 1 });
    const id = created.body.id;
    expect((await api.call('GET', `/v1/customers/${id}`)).body.email).toBe('zoe@example.com');
    const dupExternal = await api.call('POST', '/v1/customers', { body: { name: 'X', email: 'x@example.com', externalId: 'crm-1' } });
    expect(dupExternal.status).toBe(409);
    const stale = await api.call('PATCH', `/v1/customers/${id}`, { body: { name: 'Zoe' }, headers: { 'if-match': '"9"' } });
    expect(stale.status).toBe(412);
    const updated = await api.call('PATCH', `/v1/customers/${id}`, { body: { name: 'Zoe' }, headers: { 'if-match': '"1"' } });
    expect(updated.body).toMatchObject({ name: 'Zoe', version: 2, email: 'zoe@example.com' });
    expect((await api.call('PATCH', `/v1/customers/${id}`, { body: {} })).status).toBe(400);
    const events = await readStream(api.t.db, 'customer', id);
    expect(events.map((e) => [e.type, e.aggregateVersion, e.data])).toEqual([
      ['CustomerCreated', 1, { name: 'Zoë 🚀', email: 'zoe@example.com', externalId: 'crm-1' }],
      ['CustomerUpdated', 2, { name: 'Zoe' }],
    ]);
    const list = await api.call('GET', '/v1/customers?limit=1');
    expect(list.body.items).toHaveLength(1);
    expect(list.body.nextCursor).toEqual(expect.any(String));
    expect((await api.call('GET', '/v1/customers/cus_nope')).status).toBe(404);
  });
});
