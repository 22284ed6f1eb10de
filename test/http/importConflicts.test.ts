import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/apiKeys.ts';
import { countRows, createCustomer, createTestApi, invoiceBody, revenueLine, type TestApi } from '../helpers/testApi.ts';

// Issue 16 at the HTTP edge (POST /v1/events and the API's own commands):
// FORMAT.json conventions.conflicts. Each refusal is problem+json and writes nothing.
const NOW = new Date('2026-11-26T12:00:00Z');

let api: TestApi;
let importer: string;
beforeAll(async () => {
  api = await createTestApi({ now: () => NOW });
  importer = (await createApiKey(api.t.db, { name: 'importer', scopes: ['events:write'] })).token;
});
afterAll(async () => {
  await api.drop();
});

const lines = (amount: number) => [{ lineId: 'li_1', kind: 'revenue', description: 'Plan', amount }];
const created = (eventId: string, invoiceId: string, amount = 10000) => ({
  eventId, type: 'InvoiceCreated', occurredAt: '2019-02-01', invoiceId, data: { customerId: 'cus_ext', currency: 'USD', lines: lines(amount) },
});
const updated = (eventId: string, invoiceId: string, version: number, amount: number, occurredAt = '2019-02-02') => ({
  eventId, type: 'InvoiceUpdated', occurredAt, invoiceId, version, data: { currency: 'USD', lines: lines(amount) },
});
const paid = (eventId: string, invoiceId: string, paymentId: string, amount: number, type = 'InvoicePaid', occurredAt = '2019-02-03') => ({
  eventId, type, occurredAt, invoiceId, data: { paymentId, amount },
});
const post = (body: unknown) => api.call('POST', '/v1/events', { token: importer, body });

async function expectRefused(body: unknown, status: number, detail: string) {
  const before = await countRows(api.t);
  const res = await post(body);
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expect(res.body.detail).toContain(detail);
  expect(await countRows(api.t)).toEqual(before);
  return res;
}

describe('POST /v1/events refuses conflicts within an invoice (409, nothing written)', () => {
  it('a version reused with other content; the same change again under a new eventId is accepted', async () => {
    expect((await post([created('v-c', 'inv_v'), updated('v-u2', 'inv_v', 2, 6000)])).status).toBe(201);
    await expectRefused(updated('v-u2b', 'inv_v', 2, 7000), 409, 'InvoiceUpdated v-u2b conflicts with invoice inv_v: version 2 is already taken by eventId v-u2');
    await expectRefused(updated('v-u2c', 'inv_v', 2, 6000, '2019-02-05'), 409, 'version 2 is already taken by eventId v-u2');
    // Two different version 3s in one array: the array is refused whole.
    await expectRefused([updated('v-u3a', 'inv_v', 3, 5000), updated('v-u3b', 'inv_v', 3, 4000)], 409, 'v-u3b (index 1) conflicts with invoice inv_v: version 3 is already taken by eventId v-u3a');
    expect((await post(updated('v-u2-again', 'inv_v', 2, 6000))).status).toBe(201);
  });

  it('a paymentId with another amount; InvoicePaid repeating the paymentId and amount is the same payment', async () => {
    expect((await post([created('p-c', 'inv_p'), paid('p-r', 'inv_p', 'pay_1', 4000, 'InvoicePaymentReceived')])).status).toBe(201);
    await expectRefused(paid('p-paid-wrong', 'inv_p', 'pay_1', 10000), 409, 'paymentId pay_1 was already received with amount 4000 (eventId p-r), not 10000');
    await expectRefused([paid('p-x1', 'inv_p', 'pay_2', 100), paid('p-x2', 'inv_p', 'pay_2', 200)], 409, 'p-x2 (index 1) conflicts with invoice inv_p: paymentId pay_2');
    const same = await post(paid('p-paid', 'inv_p', 'pay_1', 4000));
    expect(same.status).toBe(201);
  });

  it('a second InvoiceCreated under another eventId, even with the same content or in the same array', async () => {
    expect((await post(created('c-1', 'inv_c'))).status).toBe(201);
    await expectRefused(created('c-2', 'inv_c'), 409, 'InvoiceCreated c-2 conflicts with invoice inv_c: the invoice already exists under eventId c-1');
    await expectRefused({ ...created('c-3', 'inv_c', 500), occurredAt: '2019-01-15' }, 409, 'already exists under eventId c-1');
    await expectRefused([created('c-4', 'inv_c2'), created('c-5', 'inv_c2')], 409, 'c-5 (index 1) conflicts with invoice inv_c2');
    // The same eventId again is a duplicate, not a conflict.
    expect((await post(created('c-1', 'inv_c'))).status).toBe(200);
  });
});

describe('the clock and the contract at POST /v1/events', () => {
  it('an event dated more than one day after today is refused (422 naming occurredAt); tomorrow is accepted', async () => {
    const res = await expectRefused([created('f-c', 'inv_f'), paid('f-p', 'inv_f', 'pay_f', 100, 'InvoicePaid', '2026-12-10')], 422, 'ahead of the clock');
    expect(res.body.errors).toEqual([{ field: '1.occurredAt', message: expect.stringContaining('2026-12-10 is more than one day after today (2026-11-26 UTC)') }]);
    await expectRefused({ ...created('f-c2', 'inv_f2'), occurredAt: '2026-11-28' }, 422, 'ahead of the clock');
    expect((await post({ ...created('f-c3', 'inv_f3'), occurredAt: '2026-11-27' })).status).toBe(201);
  });

  it('InvoiceUpdated without a version is refused (400 naming version)', async () => {
    const { version: _, ...noVersion } = updated('nv-u', 'inv_nv', 2, 100);
    const res = await expectRefused(noVersion, 400, '');
    expect(res.body.errors).toEqual(expect.arrayContaining([{ field: 'version', message: 'required for InvoiceUpdated' }]));
  });
});

describe("the API's own invoice commands", () => {
  it('an issue date more than a day ahead is refused (422); a cut below what was paid is allowed and leaves the invoice paid with 0 due', async () => {
    const customerId = await createCustomer(api);
    const ahead = await api.call('POST', '/v1/invoices', { body: invoiceBody(customerId, { issuedAt: '2026-12-10', dueDate: '2026-12-31' }) });
    expect(ahead.status).toBe(422);
    expect(ahead.body.errors).toEqual([{ field: 'issuedAt', message: expect.stringContaining('more than one day after today') }]);

    const inv = await api.call('POST', '/v1/invoices', { body: invoiceBody(customerId, { lines: [revenueLine({ amount: 10000 })] }) });
    expect(inv.status).toBe(201);
    const pay = await api.call('POST', `/v1/invoices/${inv.body.id}/payments`, { body: { paymentId: 'pay_api', amount: 8000, receivedAt: '2026-02-01' } });
    expect(pay.body).toMatchObject({ status: 'open', amountDue: 2000 });
    const cut = await api.call('PATCH', `/v1/invoices/${inv.body.id}`, { body: { lines: [revenueLine({ amount: 6000 })] }, headers: { 'if-match': String(pay.body.version) } });
    expect(cut.status, JSON.stringify(cut.body)).toBe(200);
    expect(cut.body).toMatchObject({ status: 'paid', total: 6000, amountPaid: 8000, amountDue: 0 });
    // The same paymentId again (any amount) is a conflict on the API too.
    const again = await api.call('POST', `/v1/invoices/${inv.body.id}/payments`, { body: { paymentId: 'pay_api', amount: 100 } });
    expect(again.status).toBe(409);
  });
});
