import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/apiKeys.ts';
import { readStoredEvent } from '../../src/events/envelope.ts';
import { appendEvents, readStream } from '../../src/events/appendEvents.ts';
import { countRows, createCustomer, createTestApi, invoiceBody, type TestApi } from '../helpers/testApi.ts';

const SCENARIOS = path.resolve(import.meta.dirname, '../../../shared/scenarios');
const scenarioFiles = readdirSync(SCENARIOS).filter((f) => /^S.*\.json$/.test(f)).sort();

// The API's clock: November 2026 is the current month, October the last one that has ended.
const NOW = new Date('2026-11-26T12:00:00Z');

let api: TestApi;
let importer: string; // a key with events:write only
beforeAll(async () => {
  api = await createTestApi({ now: () => NOW });
  importer = (await createApiKey(api.t.db, { name: 'importer', scopes: ['events:write'] })).token;
});
afterAll(async () => {
  await api.drop();
});

const created = (eventId: string, invoiceId: string) => ({
  eventId,
  type: 'InvoiceCreated',
  occurredAt: '2019-01-01',
  invoiceId,
  data: { customerId: 'cus_ext', currency: 'USD', lines: [{ lineId: 'li_1', kind: 'revenue', description: 'Plan', amount: 1000 }] },
});

describe('POST /v1/events', () => {
  it('stores an imported event marked as such; a repeated eventId is acknowledged without a second row', async () => {
    const first = await api.call('POST', '/v1/events', { body: created('ext-1', 'inv_ext1'), headers: { 'x-correlation-id': 'import-run-1' } });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ stored: 1, duplicates: [], events: [{ eventId: 'ext-1', duplicate: false }] });
    const again = await api.call('POST', '/v1/events', { body: created('ext-1', 'inv_ext1') });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ stored: 0, duplicates: ['ext-1'] });
    expect(again.body.events[0].storedEventId).toBe(first.body.events[0].storedEventId);
    const stream = await readStream(api.t.db, 'invoice', 'inv_ext1');
    expect(stream).toHaveLength(1);
    expect(stream[0]).toMatchObject({ source: 'import', externalId: 'ext-1', aggregateVersion: 1, occurredAt: '2019-01-01', correlationId: 'import-run-1' });
  });

  it('accepts facts the state machine would refuse (a payment on a void invoice)', async () => {
    const events = [
      created('ext-2', 'inv_ext2'),
      { eventId: 'ext-3', type: 'InvoiceVoided', occurredAt: '2019-01-02', invoiceId: 'inv_ext2', data: { reason: 'x' } },
      { eventId: 'ext-4', type: 'InvoicePaid', occurredAt: '2019-01-03', invoiceId: 'inv_ext2', data: { paymentId: 'p', amount: 1000 } },
    ];
    const res = await api.call('POST', '/v1/events', { body: events });
    expect(res.status).toBe(201);
    expect(res.body.stored).toBe(3);
    // imports are not written into the invoices table: that is the API's own state
    expect(await api.t.db.selectFrom('invoices').select('id').where('id', '=', 'inv_ext2').execute()).toEqual([]);
  });

  it('an array is all or nothing: one bad event stores none, and the problem names it', async () => {
    const before = await countRows(api.t);
    const res = await api.call('POST', '/v1/events', {
      body: [created('ext-5', 'inv_ext5'), { ...created('ext-6', 'inv_ext6'), data: { currency: 'usd', lines: [] } }],
    });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(['1.data.currency']));
    expect(await countRows(api.t)).toEqual(before);
  });

  it('refuses Revenue* types, unknown types, a missing invoiceId and InvoiceUpdated without version', async () => {
    const before = await countRows(api.t);
    const bad = [
      { eventId: 'r1', type: 'RevenueRecognized', occurredAt: '2019-01-01', invoiceId: 'i', data: { invoiceId: 'i', currency: 'USD', amount: 1, postedOn: '2019-01-01' } },
      { eventId: 'r2', type: 'Whatever', occurredAt: '2019-01-01', invoiceId: 'i', data: {} },
      { eventId: 'r3', type: 'InvoiceVoided', occurredAt: '2019-01-01', data: { reason: 'x' } },
      { eventId: 'r4', type: 'InvoiceUpdated', occurredAt: '2019-01-01', invoiceId: 'i', data: created('x', 'i').data },
      { eventId: 'r5', type: 'InvoiceVoided', occurredAt: '2019-02-30', invoiceId: 'i', data: { reason: 'x' } },
      { eventId: 'r6', type: 'PeriodClosed', occurredAt: '2019-02-01', invoiceId: 'i', data: { period: '2019-01' } },
    ];
    for (const body of bad) {
      const res = await api.call('POST', '/v1/events', { body });
      expect(res.status, body.eventId).toBe(400);
    }
    expect(await countRows(api.t)).toEqual(before);
  });

  it('the same eventId twice in one array is stored once and reported as a duplicate', async () => {
    const res = await api.call('POST', '/v1/events', { body: [created('ext-7', 'inv_ext7'), created('ext-7', 'inv_ext7')] });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ stored: 1, duplicates: ['ext-7'] });
    expect(await readStream(api.t.db, 'invoice', 'inv_ext7')).toHaveLength(1);
  });

  it('imports PeriodClosed with the month as its aggregate', async () => {
    const res = await api.call('POST', '/v1/events', { body: { eventId: 'pc-1', type: 'PeriodClosed', occurredAt: '2019-02-01', data: { period: '2019-01' } } });
    expect(res.status).toBe(201);
    const [event] = await readStream(api.t.db, 'period', '2019-01');
    expect(event).toMatchObject({ type: 'PeriodClosed', source: 'import', aggregateVersion: null });
  });

  it.each(scenarioFiles)('imports every operation of %s cleanly, events readable by subscribers', async (file) => {
    const scenario = JSON.parse(readFileSync(path.join(SCENARIOS, file), 'utf8')) as { operations: Array<{ eventId: string; invoiceId?: string }> };
    // Scenario eventIds (e1, e2...) repeat across files: each file gets its own database.
    const own = await createTestApi();
    try {
      const res = await own.call('POST', '/v1/events', { body: scenario.operations });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body.stored).toBe(scenario.operations.length);
      const rows = await own.t.db.selectFrom('events').selectAll().orderBy('position').execute();
      expect(rows.map((r) => r.external_id)).toEqual(scenario.operations.map((o) => o.eventId));
      for (const row of await own.t.db.selectFrom('events').select('aggregate_id').execute()) expect(row.aggregate_id).not.toBe('');
      const stream = await readStream(own.t.db, 'invoice', scenario.operations[0]!.invoiceId!);
      for (const e of stream) expect(() => readStoredEvent(e)).not.toThrow();
      const replay = await own.call('POST', '/v1/events', { body: scenario.operations });
      expect(replay.status).toBe(200);
      expect(replay.body.duplicates).toHaveLength(scenario.operations.length);
    } finally {
      await own.drop();
    }
  });
});

describe('POST /v1/periods/{YYYY-MM}/close', () => {
  it('records PeriodClosed once, however often it is called', async () => {
    const first = await api.call('POST', '/v1/periods/2025-06/close');
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ period: '2025-06', alreadyClosed: false });
    const second = await api.call('POST', '/v1/periods/2025-06/close');
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ alreadyClosed: true, eventId: first.body.eventId });
    const events = await readStream(api.t.db, 'period', '2025-06');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'PeriodClosed', data: { period: '2025-06' }, source: 'api' });
  });

  it('refuses a malformed or future month', async () => {
    expect((await api.call('POST', '/v1/periods/2025-13/close')).status).toBe(400);
    expect((await api.call('POST', '/v1/periods/June/close')).status).toBe(400);
    expect((await api.call('POST', '/v1/periods/2999-01/close')).status).toBe(409);
  });

  it('refuses the current month, which has not ended (409, nothing written); the month before closes', async () => {
    const before = await countRows(api.t);
    const current = await api.call('POST', '/v1/periods/2026-11/close');
    expect(current.status).toBe(409);
    expect(current.headers.get('content-type')).toContain('application/problem+json');
    expect(current.body.detail).toBe('period 2026-11 has not ended yet: only months before 2026-11 can be closed');
    expect(await countRows(api.t)).toEqual(before);
    expect((await api.call('POST', '/v1/periods/2026-10/close')).status).toBe(201);
  });
});

const closeEvent = (eventId: string, period: string) => ({ eventId, type: 'PeriodClosed', occurredAt: '2026-11-02', data: { period } });

describe('POST /v1/events: what an import may not do', () => {
  it('importing PeriodClosed needs the admin scope: 403 alone or inside an array, nothing written', async () => {
    const before = await countRows(api.t);
    const alone = await api.call('POST', '/v1/events', { token: importer, body: closeEvent('pc-key-1', '2019-03') });
    expect(alone.status).toBe(403);
    expect(alone.headers.get('content-type')).toContain('application/problem+json');
    expect(alone.body.detail).toContain("needs the 'admin' scope");
    const inArray = await api.call('POST', '/v1/events', { token: importer, body: [created('pc-key-2', 'inv_pckey'), closeEvent('pc-key-3', '2019-03')] });
    expect(inArray.status).toBe(403);
    expect(inArray.body.detail).toContain('event 1, pc-key-3');
    expect(await countRows(api.t)).toEqual(before);
    expect(await readStream(api.t.db, 'period', '2019-03')).toEqual([]);
    // The same key still imports invoice facts; an admin key imports the close.
    expect((await api.call('POST', '/v1/events', { token: importer, body: created('pc-key-2', 'inv_pckey') })).status).toBe(201);
    expect((await api.call('POST', '/v1/events', { body: closeEvent('pc-key-1', '2019-03') })).status).toBe(201);
  });

  it('an imported close must be for a month that has ended: 400 naming data.period, nothing written', async () => {
    const before = await countRows(api.t);
    const current = await api.call('POST', '/v1/events', { body: closeEvent('pc-now', '2026-11') });
    expect(current.status).toBe(400);
    expect(current.body.errors).toEqual([{ field: 'data.period', message: 'period 2026-11 has not ended yet: only months before 2026-11 can be closed' }]);
    const future = await api.call('POST', '/v1/events', { body: [created('pc-f1', 'inv_pcf'), closeEvent('pc-f2', '2099-12')] });
    expect(future.status).toBe(400);
    expect(future.body.errors.map((e: { field: string }) => e.field)).toEqual(['1.data.period']);
    expect(await countRows(api.t)).toEqual(before);
    expect((await api.call('POST', '/v1/events', { body: closeEvent('pc-ended', '2026-10') })).status).toBe(201);
  });

  it('refuses (409) an import naming an invoice the API owns, nothing written; the invoice and its books are untouched', async () => {
    const customerId = await createCustomer(api, 'Owner');
    const invoice = await api.call('POST', '/v1/invoices', { body: invoiceBody(customerId) });
    expect(invoice.status).toBe(201);
    const id: string = invoice.body.id;
    const before = await countRows(api.t);
    const voided = { eventId: 'own-1', type: 'InvoiceVoided', occurredAt: '2026-02-01', invoiceId: id, data: { reason: 'not yours' } };
    const alone = await api.call('POST', '/v1/events', { token: importer, body: voided });
    expect(alone.status).toBe(409);
    expect(alone.headers.get('content-type')).toContain('application/problem+json');
    expect(alone.body.detail).toContain(`invoice ${id} belongs to the API`);
    const inArray = await api.call('POST', '/v1/events', { token: importer, body: [created('own-2', 'inv_own2'), { ...created('own-3', id) }] });
    expect(inArray.status).toBe(409);
    expect(inArray.body.detail).toContain(`invoice ${id} (index 1) belongs to the API`);
    expect(await countRows(api.t)).toEqual(before);
    expect((await api.call('GET', `/v1/invoices/${id}`)).body.status).toBe('open');
    expect((await readStream(api.t.db, 'invoice', id)).filter((e) => e.source === 'import')).toEqual([]);

    // Events written by the API count as ownership even without a row.
    await appendEvents(api.t.db, [{ type: 'InvoiceVoided', aggregateId: 'inv_api_only', occurredAt: '2026-02-01', data: { reason: 'x' } }], { correlationId: 'c', actor: 'test' });
    const apiOnly = await api.call('POST', '/v1/events', { token: importer, body: created('own-4', 'inv_api_only') });
    expect(apiOnly.status).toBe(409);
    expect(apiOnly.body.detail).toContain('invoice inv_api_only belongs to the API');
  });

  it('the API does not act on an imported-only invoice: 404 for every route, nothing written', async () => {
    expect((await api.call('POST', '/v1/events', { token: importer, body: created('imp-only-1', 'inv_imported_only') })).status).toBe(201);
    const before = await countRows(api.t);
    const id = 'inv_imported_only';
    const calls: Array<[string, string, object | undefined, Record<string, string>?]> = [
      ['GET', `/v1/invoices/${id}`, undefined],
      ['POST', `/v1/invoices/${id}/void`, { reason: 'x' }],
      ['POST', `/v1/invoices/${id}/payments`, { paymentId: 'p1', amount: 100 }],
      ['POST', `/v1/invoices/${id}/reminders`, { channel: 'email' }],
      ['PATCH', `/v1/invoices/${id}`, { lines: created('x', id).data.lines }, { 'if-match': '"1"' }],
      ['DELETE', `/v1/invoices/${id}`, {}],
    ];
    for (const [method, path, body, headers] of calls) {
      const res = await api.call(method, path, { body, headers });
      expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBe(404);
    }
    expect(await countRows(api.t)).toEqual(before);
  });

  it('the same eventId with other content is refused (409 naming it), nothing written; the same content in another key order is a duplicate', async () => {
    expect((await api.call('POST', '/v1/events', { token: importer, body: created('dup-1', 'inv_dup1') })).status).toBe(201);
    const before = await countRows(api.t);
    const original = created('dup-1', 'inv_dup1');
    const changes = [
      { ...original, data: { ...original.data, lines: [{ ...original.data.lines[0]!, amount: 999_999 }] } },
      { ...original, occurredAt: '2019-01-02' },
      { ...original, invoiceId: 'inv_dup1_other' },
      { ...original, type: 'InvoiceUpdated', version: 2 },
      { ...original, version: 3 },
    ];
    for (const body of changes) {
      const res = await api.call('POST', '/v1/events', { token: importer, body });
      expect(res.status, JSON.stringify(body)).toBe(409);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body.detail).toContain('eventId dup-1 was already imported with different content');
    }
    // In an array the whole array is refused and the index named: dup-2 is not stored either.
    const inArray = await api.call('POST', '/v1/events', { token: importer, body: [created('dup-2', 'inv_dup2'), changes[0]] });
    expect(inArray.status).toBe(409);
    expect(inArray.body.detail).toContain('eventId dup-1 (index 1) was already imported with different content');
    // The same new eventId twice in one array with different content.
    const twice = await api.call('POST', '/v1/events', { token: importer, body: [created('dup-3', 'inv_dup3'), { ...created('dup-3', 'inv_dup3'), occurredAt: '2019-05-05' }] });
    expect(twice.status).toBe(409);
    expect(twice.body.detail).toContain('eventId dup-3 (index 1)');
    expect(await countRows(api.t)).toEqual(before);

    // Same content, keys in another order and the implied version spelled out: acknowledged as a duplicate.
    const reordered = { data: { lines: original.data.lines.map((l) => ({ amount: l.amount, description: l.description, kind: l.kind, lineId: l.lineId })), currency: 'USD', customerId: 'cus_ext' }, invoiceId: 'inv_dup1', occurredAt: '2019-01-01', type: 'InvoiceCreated', eventId: 'dup-1', version: 1 };
    const same = await api.call('POST', '/v1/events', { token: importer, body: reordered });
    expect(same.status).toBe(200);
    expect(same.body).toMatchObject({ stored: 0, duplicates: ['dup-1'] });
    expect(await countRows(api.t)).toEqual(before);
  });
});
