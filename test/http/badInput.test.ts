import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRows, createCustomer, createTestApi, invoiceBody, revenueLine, type CallOptions, type TestApi } from '../helpers/testApi.ts';

let api: TestApi;
let customerId: string;
let openInvoice: string;
beforeAll(async () => {
  api = await createTestApi();
  customerId = await createCustomer(api);
  const inv = await api.call('POST', '/v1/invoices', { body: invoiceBody(customerId) });
  openInvoice = inv.body.id;
});
afterAll(async () => {
  await api.drop();
});

const withLine = (line: Record<string, unknown>) => invoiceBody(customerId, { lines: [revenueLine(line)] });
const raw = (text: string): CallOptions => ({ raw: text });
const MiB = 1024 * 1024;

/** [class, request options, expected status, a field the problem must name (if any)] */
type Case = [string, () => CallOptions, number, string?];
const invoiceCases: Case[] = [
  ['malformed JSON', () => raw('{"customerId": "c", "currency": USD}'), 400],
  ['truncated JSON', () => raw(JSON.stringify(invoiceBody(customerId)).slice(0, 40)), 400],
  ['empty JSON body', () => raw(''), 400],
  ['whitespace-only body', () => raw('   '), 400],
  ['empty body, no content type', () => ({ raw: '', contentType: null }), 415],
  ['JSON null body', () => raw('null'), 400],
  ['JSON array body', () => raw('[]'), 400],
  ['text/plain content type', () => ({ raw: JSON.stringify(invoiceBody(customerId)), contentType: 'text/plain' }), 415],
  ['form content type', () => ({ raw: 'customerId=x', contentType: 'application/x-www-form-urlencoded' }), 415],
  ['no content type with a body', () => ({ raw: JSON.stringify(invoiceBody(customerId)), contentType: null }), 415],
  ['body over 1 MiB', () => ({ body: withLine({ description: 'x'.repeat(MiB) }) }), 413],
  ['body over 1 MiB with a lying small Content-Length', () => ({ raw: `{"a":"${'y'.repeat(MiB + 10)}"}`, headers: { 'content-length': '10' } }), 413],
  ['invalid UTF-8 bytes', () => ({ raw: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]) }), 400],
  ['deep nesting', () => raw(`${'{"a":'.repeat(200)}1${'}'.repeat(200)}`), 400],
  ['deep array nesting', () => raw(`${'['.repeat(100_000)}${']'.repeat(100_000)}`), 400],
  ['__proto__ at the root', () => raw(`{"__proto__":{"isAdmin":true},${JSON.stringify(invoiceBody(customerId)).slice(1)}`), 400, '__proto__'],
  ['__proto__ in a line', () => raw(JSON.stringify(invoiceBody(customerId)).replace('"lineId"', '"__proto__":{"x":1},"lineId"')), 400, 'lines.0.__proto__'],
  ['__proto__ spelt with \\u escapes', () => raw(JSON.stringify(invoiceBody(customerId)).replace('"lineId"', '"\\u005f\\u005fproto\\u005f\\u005f":{"x":1},"lineId"')), 400, 'lines.0.__proto__'],
  ['amount as a string "100"', () => ({ body: withLine({ amount: '100' }) }), 400, 'lines.0.amount'],
  ['amount null', () => ({ body: withLine({ amount: null }) }), 400, 'lines.0.amount'],
  ['amount as an array', () => ({ body: withLine({ amount: [100] }) }), 400, 'lines.0.amount'],
  ['lines as an object', () => ({ body: invoiceBody(customerId, { lines: { 0: revenueLine() } }) }), 400, 'lines'],
  ['customerId null', () => ({ body: invoiceBody(customerId, { customerId: null }) }), 400, 'customerId'],
  ['currency as a number', () => ({ body: invoiceBody(customerId, { currency: 840 }) }), 400, 'currency'],
  ['fractional amount', () => ({ body: withLine({ amount: 10.5 }) }), 400, 'lines.0.amount'],
  ['NaN amount', () => raw(JSON.stringify(withLine({ amount: 1 })).replace('"amount":1', '"amount":NaN')), 400],
  ['Infinity amount (1e400)', () => raw(JSON.stringify(withLine({ amount: 1 })).replace('"amount":1', '"amount":1e400')), 400, 'lines.0.amount'],
  ['amount above 2^53', () => raw(JSON.stringify(withLine({ amount: 1 })).replace('"amount":1', '"amount":9007199254740993')), 400, 'lines.0.amount'],
  ['negative tax', () => ({ body: invoiceBody(customerId, { lines: [revenueLine(), { lineId: 't', kind: 'tax', amount: -5 }] }) }), 400, 'lines.1.amount'],
  ['positive discount', () => ({ body: invoiceBody(customerId, { lines: [revenueLine(), { lineId: 'd', kind: 'discount', amount: 5 }] }) }), 400, 'lines.1.amount'],
  ['wrong precision: JPY with 2 decimals', () => ({ body: invoiceBody(customerId, { currency: 'JPY', currencyExponent: 2 }) }), 400, 'currencyExponent'],
  ['wrong precision: USD with 3 decimals', () => ({ body: invoiceBody(customerId, { currencyExponent: 3 }) }), 400, 'currencyExponent'],
  ['unknown currency', () => ({ body: invoiceBody(customerId, { currency: 'XYZ' }) }), 400, 'currency'],
  ['lower-case currency', () => ({ body: invoiceBody(customerId, { currency: 'usd' }) }), 400, 'currency'],
  ['service period end == start', () => ({ body: withLine({ servicePeriod: { start: '2026-01-01', end: '2026-01-01' } }) }), 400, 'lines.0.servicePeriod.end'],
  ['service period end < start', () => ({ body: withLine({ servicePeriod: { start: '2026-02-01', end: '2026-01-01' } }) }), 400, 'lines.0.servicePeriod.end'],
  ['impossible date 2023-02-30', () => ({ body: withLine({ servicePeriod: { start: '2023-02-01', end: '2023-02-30' } }) }), 400, 'lines.0.servicePeriod.end'],
  ['impossible issue date 2023-02-29', () => ({ body: invoiceBody(customerId, { issuedAt: '2023-02-29' }) }), 400, 'issuedAt'],
  ['date with a time', () => ({ body: invoiceBody(customerId, { dueDate: '2026-01-31T00:00:00Z' }) }), 400, 'dueDate'],
  ['due date before issue date', () => ({ body: invoiceBody(customerId, { dueDate: '2025-12-31' }) }), 400, 'dueDate'],
  ['unknown customer', () => ({ body: invoiceBody('cus_does_not_exist') }), 400, 'customerId'],
  ['unknown field', () => ({ body: invoiceBody(customerId, { discountCode: 'X' }) }), 400],
  ['no lines', () => ({ body: invoiceBody(customerId, { lines: [] }) }), 400, 'lines'],
  ['duplicate lineId', () => ({ body: invoiceBody(customerId, { lines: [revenueLine(), revenueLine()] }) }), 400, 'lines.1.lineId'],
  ['discount applied to a missing line', () => ({ body: invoiceBody(customerId, { lines: [revenueLine(), { lineId: 'd', kind: 'discount', amount: -5, appliesToLineId: 'nope' }] }) }), 400, 'lines.1.appliesToLineId'],
  ['lone surrogate', () => raw(JSON.stringify(withLine({ description: 'X' })).replace('"X"', '"bad \\ud800 text"')), 400, 'lines.0.description'],
  ['NUL character', () => raw(JSON.stringify(withLine({ description: 'X' })).replace('"X"', '"a\\u0000b"')), 400, 'lines.0.description'],
  ['NUL in customerId', () => raw(JSON.stringify(invoiceBody('X')).replace('"X"', '"cus\\u0000"')), 400, 'customerId'],
];

describe('bad input gets a 4xx and changes nothing', () => {
  it.each(invoiceCases)('POST /v1/invoices: %s', async (_name, options, status, field) => {
    const before = await countRows(api.t);
    const res = await api.call('POST', '/v1/invoices', options());
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.body.status).toBe(status);
    if (field) expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    expect(await countRows(api.t)).toEqual(before);
  });

  const paymentCases: Array<[string, unknown, string]> = [
    ['negative payment', { paymentId: 'p', amount: -1 }, 'amount'],
    ['zero payment', { paymentId: 'p', amount: 0 }, 'amount'],
    ['fractional payment', { paymentId: 'p', amount: 0.5 }, 'amount'],
    ['payment as a string', { paymentId: 'p', amount: '100' }, 'amount'],
    ['payment above 2^53', { paymentId: 'p', amount: 2 ** 53 + 2 }, 'amount'],
    ['payment on an impossible date', { paymentId: 'p', amount: 1, receivedAt: '2026-02-30' }, 'receivedAt'],
    ['payment before the issue date', { paymentId: 'p', amount: 1, receivedAt: '2025-12-31' }, 'receivedAt'],
    ['payment without paymentId', { amount: 1 }, 'paymentId'],
  ];
  it.each(paymentCases)('POST /payments: %s', async (_name, body, field) => {
    const before = await countRows(api.t);
    const res = await api.call('POST', `/v1/invoices/${openInvoice}/payments`, { body });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    expect(await countRows(api.t)).toEqual(before);
  });

  it('customers: bad email, empty name, NUL and lone surrogates are 400 with nothing written', async () => {
    const before = await countRows(api.t);
    const bodies = [
      { name: 'A', email: 'not-an-email' },
      { name: '', email: 'a@example.com' },
      { name: 'A\u0000', email: 'a@example.com' },
      { name: 'A', email: 'a@example.com', externalId: null },
    ];
    for (const body of bodies) expect((await api.call('POST', '/v1/customers', { body })).status).toBe(400);
    const surrogate = await api.call('POST', '/v1/customers', { raw: '{"name":"\\udc00","email":"a@example.com"}' });
    expect(surrogate.status).toBe(400);
    expect(await countRows(api.t)).toEqual(before);
  });

  it('SQL-looking strings, emoji and RTL marks are stored verbatim', async () => {
    const tricky = `Robert'); DROP TABLE invoices;-- 💸 \u202Eevil\u202C \u200F שלום`;
    const res = await api.call('POST', '/v1/invoices', { body: withLine({ description: tricky, lineId: "li_'; --" }) });
    expect(res.status).toBe(201);
    const got = await api.call('GET', `/v1/invoices/${res.body.id}`);
    expect(got.body.lines[0].description).toBe(tricky);
    expect(got.body.lines[0].lineId).toBe("li_'; --");
    const name = `O'Brien" OR 1=1 -- 🧾`;
    const cus = await api.call('POST', '/v1/customers', { body: { name, email: 'ob@example.com' } });
    expect((await api.call('GET', `/v1/customers/${cus.body.id}`)).body.name).toBe(name);
  });

  it('an imported event with an unknown type names the field type, not (root)', async () => {
    const event = { eventId: 'ext_bad_type', type: 'InvoiceExploded', occurredAt: '2026-01-01', invoiceId: 'inv_ext_1', data: {} };
    const one = await api.call('POST', '/v1/events', { body: event });
    expect(one.status).toBe(400);
    expect(one.body.errors.map((e: { field: string }) => e.field)).toEqual(['type']);
    const many = await api.call('POST', '/v1/events', { body: [event] });
    expect(many.body.errors.map((e: { field: string }) => e.field)).toEqual(['0.type']);
  });
});
