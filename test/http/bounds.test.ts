import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStream, toEventRows } from '../../src/events/appendEvents.ts';
import { insertInvoiceWithEvents } from '../../src/invoices/invoiceRepository.ts';
import { DEFAULT_LIMITS } from '../../src/config.ts';
import { countRows, createCustomer, createTestApi, invoiceBody, revenueLine, type TestApi } from '../helpers/testApi.ts';

// Issue 9, defects 4 and 6: what one client can make the system store and compute.
const MAX = Number.MAX_SAFE_INTEGER; // 2^53 - 1
const fields = (body: { errors?: { field: string }[] }) => (body.errors ?? []).map((e) => e.field);
const messages = (body: { errors?: { message: string }[] }) => (body.errors ?? []).map((e) => e.message).join(' | ');

const imported = (eventId: string, invoiceId: string, lines: unknown[] = [{ lineId: 'li_1', kind: 'revenue', description: 'Plan', amount: 1000 }]) => ({
  eventId,
  type: 'InvoiceCreated',
  occurredAt: '2025-01-01',
  invoiceId,
  data: { customerId: 'cus_ext', currency: 'USD', lines },
});
const importedPaid = (eventId: string, invoiceId: string, paymentId: string, amount: number) => ({
  eventId,
  type: 'InvoicePaid',
  occurredAt: '2025-01-02',
  invoiceId,
  data: { paymentId, amount },
});

describe('sums of amounts stay exact (defect 4)', () => {
  let api: TestApi;
  let customerId: string;
  beforeAll(async () => {
    api = await createTestApi();
    customerId = await createCustomer(api);
  });
  afterAll(async () => {
    await api.drop();
  });

  it('a create whose lines sum past 2^53-1 is a 400 naming lines, and nothing is written (no Idempotency-Key)', async () => {
    const before = await countRows(api.t);
    const lines = [revenueLine({ lineId: 'a', amount: MAX }), revenueLine({ lineId: 'b', amount: MAX })];
    const res = await api.call('POST', '/v1/invoices', { body: invoiceBody(customerId, { lines }) });
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(fields(res.body)).toContain('lines');
    expect(await countRows(api.t)).toEqual(before);
  });

  it('tax and discounts count too: a zero total made of huge opposite lines is refused', async () => {
    const before = await countRows(api.t);
    const lines = [
      revenueLine({ lineId: 'a', amount: MAX }),
      { lineId: 'd', kind: 'discount', description: 'd', amount: -MAX },
      { lineId: 't', kind: 'tax', description: 't', amount: MAX },
    ];
    const res = await api.call('POST', '/v1/invoices', { body: invoiceBody(customerId, { lines }) });
    expect(res.status).toBe(400);
    expect(fields(res.body)).toContain('lines');
    expect(await countRows(api.t)).toEqual(before);
  });

  it('the largest exact total is accepted and read back exactly', async () => {
    const lines = [revenueLine({ lineId: 'a', amount: MAX - 1 }), { lineId: 't', kind: 'tax', description: 'VAT', amount: 1 }];
    const res = await api.call('POST', '/v1/invoices', { body: invoiceBody(customerId, { lines }) });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ total: MAX, tax: 1 });
    expect((await api.call('GET', `/v1/invoices/${res.body.id}`)).body).toMatchObject({ total: MAX, tax: 1, amountDue: MAX });
  });

  it('the database itself refuses an amount the application could not read back, so no create can commit one', async () => {
    const before = await countRows(api.t);
    const state = {
      id: 'inv_unsafe', customerId, currency: 'USD', status: 'open' as const, issuedAt: '2026-01-01', dueDate: null,
      lines: [], total: 2 * MAX, tax: 0, amountPaid: 0, version: 1, voidReason: null,
    };
    const events = toEventRows([{ type: 'InvoiceVoided', aggregateId: 'inv_unsafe', aggregateVersion: 1, occurredAt: '2026-01-01', data: { reason: '' } }], { correlationId: 'c', actor: 't' });
    await expect(insertInvoiceWithEvents(api.t.db, state, events)).rejects.toMatchObject({ code: '23514', constraint: 'invoices_amounts_exact' });
    expect(await countRows(api.t)).toEqual(before);
  });

  it('an update whose lines sum past 2^53-1 is a 400 and the invoice keeps its version', async () => {
    const inv = (await api.call('POST', '/v1/invoices', { body: invoiceBody(customerId) })).body;
    const before = await countRows(api.t);
    const lines = [revenueLine({ lineId: 'a', amount: MAX }), revenueLine({ lineId: 'b', amount: 2 })];
    const res = await api.call('PATCH', `/v1/invoices/${inv.id}`, { body: { lines }, headers: { 'if-match': '"1"' } });
    expect(res.status).toBe(400);
    expect(fields(res.body)).toContain('lines');
    expect(await countRows(api.t)).toEqual(before);
    expect((await api.call('GET', `/v1/invoices/${inv.id}`)).body.version).toBe(1);
  });

  it('a payment that would take amount paid past 2^53-1 is a 400 naming amount, nothing written', async () => {
    const inv = (await api.call('POST', '/v1/invoices', { body: invoiceBody(customerId, { lines: [revenueLine({ amount: MAX })] }) })).body;
    const first = await api.call('POST', `/v1/invoices/${inv.id}/payments`, { body: { paymentId: 'p1', amount: MAX - 1, receivedAt: '2026-01-02' } });
    expect(first.status).toBe(200);
    const before = await countRows(api.t);
    const res = await api.call('POST', `/v1/invoices/${inv.id}/payments`, { body: { paymentId: 'p2', amount: 2, receivedAt: '2026-01-03' } });
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(fields(res.body)).toEqual(['amount']);
    expect(await countRows(api.t)).toEqual(before);
    expect((await api.call('GET', `/v1/invoices/${inv.id}`)).body).toMatchObject({ amountPaid: MAX - 1, status: 'open', version: 2 });
  });

  it('an imported InvoiceCreated whose lines sum past 2^53-1 is refused with 400, nothing stored', async () => {
    const before = await countRows(api.t);
    const lines = [
      { lineId: 'a', kind: 'revenue', description: '', amount: MAX },
      { lineId: 'b', kind: 'revenue', description: '', amount: MAX },
    ];
    const res = await api.call('POST', '/v1/events', { body: [imported('ov-1', 'inv_ov1'), imported('ov-2', 'inv_ov2', lines)] });
    expect(res.status).toBe(400);
    expect(fields(res.body)).toContain('1.data.lines');
    const updated = { ...imported('ov-3', 'inv_ov3', lines), type: 'InvoiceUpdated', version: 2 };
    expect((await api.call('POST', '/v1/events', { body: updated })).status).toBe(400);
    expect(await countRows(api.t)).toEqual(before);
  });

  it('imported payments of one invoice may not sum past 2^53-1, in one request or across requests', async () => {
    const stored = await api.call('POST', '/v1/events', { body: [imported('op-1', 'inv_op'), importedPaid('op-2', 'inv_op', 'pay_a', MAX)] });
    expect(stored.status).toBe(201);
    const before = await countRows(api.t);
    const later = await api.call('POST', '/v1/events', { body: importedPaid('op-3', 'inv_op', 'pay_b', 1) });
    expect(later.status, JSON.stringify(later.body)).toBe(400);
    expect(fields(later.body)).toEqual(['data.amount']);
    const together = await api.call('POST', '/v1/events', {
      body: [imported('op-4', 'inv_op2'), importedPaid('op-5', 'inv_op2', 'pay_a', MAX), importedPaid('op-6', 'inv_op2', 'pay_b', MAX)],
    });
    expect(together.status).toBe(400);
    expect(fields(together.body)).toEqual(['2.data.amount']);
    expect(await countRows(api.t)).toEqual(before);
    // the same payment again (same paymentId) is one payment, not a second sum
    const again = await api.call('POST', '/v1/events', { body: { ...importedPaid('op-7', 'inv_op', 'pay_a', MAX), type: 'InvoicePaymentReceived' } });
    expect(again.status).toBe(201);
  });
});

describe('bounds on invoices, imports and reports (defect 6)', () => {
  let api: TestApi;
  let customerId: string;
  const limits = { ...DEFAULT_LIMITS, maxInvoiceLines: 3, maxInvoiceEvents: 4 };
  beforeAll(async () => {
    api = await createTestApi({ limits });
    customerId = await createCustomer(api);
  });
  afterAll(async () => {
    await api.drop();
  });
  const lines = (n: number) => Array.from({ length: n }, (_, i) => revenueLine({ lineId: `l${i}`, amount: 100 }));

  it('lines per invoice are capped (ACCRUE_MAX_INVOICE_LINES) on create, update and import', async () => {
    const before = await countRows(api.t);
    const res = await api.call('POST', '/v1/invoices', { body: invoiceBody(customerId, { lines: lines(4) }) });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field: 'lines', message: expect.stringContaining('ACCRUE_MAX_INVOICE_LINES') }]);
    const imp = await api.call('POST', '/v1/events', { body: imported('ln-1', 'inv_ln', lines(4)) });
    expect(imp.status).toBe(400);
    expect(fields(imp.body)).toEqual(['data.lines']);
    expect(await countRows(api.t)).toEqual(before);

    const inv = (await api.call('POST', '/v1/invoices', { body: invoiceBody(customerId, { lines: lines(3) }) })).body;
    const patch = await api.call('PATCH', `/v1/invoices/${inv.id}`, { body: { lines: lines(4) }, headers: { 'if-match': '"1"' } });
    expect(patch.status).toBe(400);
    expect(fields(patch.body)).toEqual(['lines']);
  });

  it('the contract ceiling of 1,000 lines holds whatever the setting', async () => {
    const own = await createTestApi();
    try {
      const c = await createCustomer(own);
      const res = await own.call('POST', '/v1/invoices', { body: invoiceBody(c, { lines: lines(1001) }) });
      expect(res.status).toBe(400);
      expect((await own.call('POST', '/v1/invoices', { body: invoiceBody(c, { lines: lines(1000) }) })).status).toBe(201);
    } finally {
      await own.drop();
    }
  });

  it('events per invoice are capped (ACCRUE_MAX_INVOICE_EVENTS) on the API; the invoice can still be voided', async () => {
    const inv = (await api.call('POST', '/v1/invoices', { body: invoiceBody(customerId) })).body;
    for (let i = 0; i < 3; i++) {
      expect((await api.call('POST', `/v1/invoices/${inv.id}/reminders`, { body: { channel: 'email' } })).status).toBe(200);
    }
    const before = await countRows(api.t);
    const pay = await api.call('POST', `/v1/invoices/${inv.id}/payments`, { body: { paymentId: 'p', amount: 1, receivedAt: '2026-01-02' } });
    expect(pay.status).toBe(400);
    expect(pay.body.errors).toEqual([{ field: 'id', message: expect.stringContaining('ACCRUE_MAX_INVOICE_EVENTS=4') }]);
    const patch = await api.call('PATCH', `/v1/invoices/${inv.id}`, { body: { lines: lines(1) }, headers: { 'if-match': '"4"' } });
    expect(patch.status).toBe(400);
    expect((await api.call('POST', `/v1/invoices/${inv.id}/reminders`, { body: { channel: 'email' } })).status).toBe(400);
    expect(await countRows(api.t)).toEqual(before);
    const voided = await api.call('POST', `/v1/invoices/${inv.id}/void`, { body: { reason: 'too long a history' } });
    expect(voided.status).toBe(200);
  });

  it('events per invoice are capped on import too, counting what is stored; a void still goes through', async () => {
    const update = (eventId: string, version: number) => ({ ...imported(eventId, 'inv_cap'), type: 'InvoiceUpdated', version });
    const first = await api.call('POST', '/v1/events', { body: [imported('cap-1', 'inv_cap'), update('cap-2', 2), update('cap-3', 3)] });
    expect(first.status).toBe(201);
    const before = await countRows(api.t);
    const over = await api.call('POST', '/v1/events', { body: [update('cap-4', 4), update('cap-5', 5)] });
    expect(over.status).toBe(400);
    expect(fields(over.body)).toEqual(['1.invoiceId']);
    expect(messages(over.body)).toContain('ACCRUE_MAX_INVOICE_EVENTS=4');
    expect(await countRows(api.t)).toEqual(before);
    // a retried request of stored events is acknowledged, not counted again
    expect((await api.call('POST', '/v1/events', { body: [update('cap-2', 2), update('cap-3', 3), update('cap-4', 4)] })).status).toBe(201);
    expect((await api.call('POST', '/v1/events', { body: update('cap-6', 5) })).status).toBe(400);
    const voided = await api.call('POST', '/v1/events', { body: { eventId: 'cap-7', type: 'InvoiceVoided', occurredAt: '2025-02-01', invoiceId: 'inv_cap', data: { reason: 'x' } } });
    expect(voided.status).toBe(201);
    expect(await readStream(api.t.db, 'invoice', 'inv_cap')).toHaveLength(5);
  });

  it('a service period longer than 100 years (ACCRUE_MAX_SERVICE_PERIOD_YEARS) is refused on the API and on import', async () => {
    const before = await countRows(api.t);
    const long = revenueLine({ servicePeriod: { start: '2000-01-01', end: '2100-01-02' } });
    const res = await api.call('POST', '/v1/invoices', { body: invoiceBody(customerId, { lines: [long] }) });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field: 'lines.0.servicePeriod.end', message: expect.stringContaining('ACCRUE_MAX_SERVICE_PERIOD_YEARS') }]);
    const imp = await api.call('POST', '/v1/events', { body: imported('sp-1', 'inv_sp', [{ lineId: 'a', kind: 'revenue', amount: 5, servicePeriod: { start: '0001-01-01', end: '9999-12-31' } }]) });
    expect(imp.status).toBe(400);
    expect(fields(imp.body)).toEqual(expect.arrayContaining(['data.lines.0.servicePeriod.end', 'data.lines.0.servicePeriod.start']));
    expect(await countRows(api.t)).toEqual(before);
    const exactly100 = revenueLine({ servicePeriod: { start: '2000-01-01', end: '2100-01-01' } });
    expect((await api.call('POST', '/v1/invoices', { body: invoiceBody(customerId, { issuedAt: '2000-01-01', lines: [exactly100] }) })).status).toBe(201);
  });

  it('business dates outside 1900..2199 (ACCRUE_MIN_YEAR..ACCRUE_MAX_YEAR) are refused; year 0000 and 31 April are not days', async () => {
    const before = await countRows(api.t);
    const old = await api.call('POST', '/v1/invoices', { body: invoiceBody(customerId, { issuedAt: '1899-12-31', dueDate: '1900-01-31' }) });
    expect(old.status).toBe(400);
    expect(fields(old.body)).toEqual(['issuedAt']);
    const imp = await api.call('POST', '/v1/events', { body: { ...imported('yr-1', 'inv_yr'), occurredAt: '2200-01-01' } });
    expect(imp.status).toBe(400);
    expect(fields(imp.body)).toEqual(['occurredAt']);
    for (const day of ['0000-01-01', '2025-04-31', '2023-02-29']) {
      expect((await api.call('POST', '/v1/invoices', { body: invoiceBody(customerId, { issuedAt: day, dueDate: undefined }) })).status, day).toBe(400);
    }
    expect((await api.call('GET', '/v1/invoices?issuedFrom=0000-01-01')).status).toBe(400);
    expect(await countRows(api.t)).toEqual(before);
  });

  it('report ranges: years 1900..2199, at most ACCRUE_MAX_REPORT_MONTHS months from..to', async () => {
    const wide = await api.call('GET', '/v1/reports/revenue-by-month?from=0001-01&to=9999-12');
    expect(wide.status).toBe(400);
    expect(wide.headers.get('content-type')).toContain('application/problem+json');
    expect(fields(wide.body)).toEqual(['query.from', 'query.to', 'query.to']);
    const span = await api.call('GET', '/v1/reports/waterfall?from=1900-01&to=2100-12');
    expect(span.status).toBe(400);
    expect(span.body.errors).toEqual([{ field: 'query.to', message: expect.stringContaining('ACCRUE_MAX_REPORT_MONTHS') }]);
    expect((await api.call('GET', '/v1/reports/trial-balance?asOf=1066-10-14')).status).toBe(400);
    expect((await api.call('GET', '/v1/reports/months?asOf=0000-01-01')).status).toBe(400);
    expect((await api.call('GET', '/v1/reports/invoice-state?from=2199-12')).status).toBe(200);
    expect((await api.call('GET', '/v1/reports/revenue-by-month?from=2000-01&to=2099-12')).status).toBe(200);
  });
});
