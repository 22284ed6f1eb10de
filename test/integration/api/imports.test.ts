import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStoredEvent } from '../../../src/events/envelope.ts';
import { readStream } from '../../../src/events/appendEvents.ts';
import { countRows, createTestApi, type TestApi } from '../../helpers/testApi.ts';

const SCENARIOS = path.resolve(import.meta.dirname, '../../../../shared/scenarios');
const scenarioFiles = readdirSync(SCENARIOS).filter((f) => /^S.*\.json$/.test(f)).sort();

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
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
});
