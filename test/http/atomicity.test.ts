import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { readStream } from '../../src/events/appendEvents.ts';
import { countRows, createCustomer, createTestApi, invoiceBody, revenueLine, type TestApi } from '../helpers/testApi.ts';

let api: TestApi;
let customerId: string;
beforeAll(async () => {
  api = await createTestApi({}, { poolMax: 12 });
  customerId = await createCustomer(api);
});
afterAll(async () => {
  await api.drop();
});

describe('one transaction per call', () => {
  it('when the event insert fails, the API answers 5xx and no invoice row remains', async () => {
    await sql`CREATE FUNCTION test_fail_events() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'forced failure of the event insert'; END $$`.execute(api.t.owner);
    await sql`CREATE TRIGGER test_fail_events BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION test_fail_events()`.execute(api.t.owner);
    try {
      const before = await countRows(api.t);
      const res = await api.call('POST', '/v1/invoices', { body: invoiceBody(customerId) });
      expect(res.status).toBeGreaterThanOrEqual(500);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(res.body.detail).toBe('internal error'); // no database message leaks
      expect(await countRows(api.t)).toEqual(before);
      const idem = await api.call('POST', '/v1/invoices', { body: invoiceBody(customerId), headers: { 'idempotency-key': 'k-fail' } });
      expect(idem.status).toBeGreaterThanOrEqual(500);
      expect(await countRows(api.t)).toEqual(before); // the key rolled back with the effect
    } finally {
      await sql`DROP TRIGGER test_fail_events ON events`.execute(api.t.owner);
    }
    // and the same request now succeeds: the failed key left nothing behind
    const retry = await api.call('POST', '/v1/invoices', { body: invoiceBody(customerId), headers: { 'idempotency-key': 'k-fail' } });
    expect(retry.status).toBe(201);
  });

  it('events written through the API cannot be updated or deleted', async () => {
    const res = await api.call('POST', '/v1/invoices', { body: invoiceBody(customerId) });
    const [event] = await readStream(api.t.db, 'invoice', res.body.id);
    // The API's own role has no UPDATE or DELETE on events; the owner is stopped by the trigger.
    await expect(sql`UPDATE events SET data = '{}'::jsonb WHERE event_id = ${event!.eventId}`.execute(api.t.db)).rejects.toThrow(/permission denied/);
    await expect(sql`DELETE FROM events WHERE event_id = ${event!.eventId}`.execute(api.t.db)).rejects.toThrow(/permission denied/);
    await expect(sql`UPDATE events SET data = '{}'::jsonb WHERE event_id = ${event!.eventId}`.execute(api.t.owner)).rejects.toThrow(/append-only/);
    await expect(sql`DELETE FROM events WHERE event_id = ${event!.eventId}`.execute(api.t.owner)).rejects.toThrow(/append-only/);
    expect(await readStream(api.t.db, 'invoice', res.body.id)).toHaveLength(1);
  });

  it('concurrent PATCHes with the same If-Match: exactly one wins, the rest get 412', async () => {
    const inv = await api.call('POST', '/v1/invoices', { body: invoiceBody(customerId) });
    const attempts = Array.from({ length: 8 }, (_, i) =>
      api.call('PATCH', `/v1/invoices/${inv.body.id}`, {
        body: { lines: [revenueLine({ amount: 1000 + i })] },
        headers: { 'if-match': '"1"' },
      }),
    );
    const statuses = (await Promise.all(attempts)).map((r) => r.status).sort();
    expect(statuses).toEqual([200, 412, 412, 412, 412, 412, 412, 412]);
    const events = await readStream(api.t.db, 'invoice', inv.body.id);
    expect(events.map((e) => e.type)).toEqual(['InvoiceCreated', 'InvoiceUpdated']);
    const current = await api.call('GET', `/v1/invoices/${inv.body.id}`);
    expect(current.body.version).toBe(2);
  });

  it('concurrent payments settle an invoice once', async () => {
    const inv = await api.call('POST', '/v1/invoices', { body: invoiceBody(customerId, { lines: [revenueLine({ amount: 1000 })] }) });
    const payments = Array.from({ length: 4 }, (_, i) =>
      api.call('POST', `/v1/invoices/${inv.body.id}/payments`, { body: { paymentId: `p${i}`, amount: 1000, receivedAt: '2026-01-02' } }),
    );
    const statuses = (await Promise.all(payments)).map((r) => r.status).sort();
    expect(statuses).toEqual([200, 409, 409, 409]);
    const types = (await readStream(api.t.db, 'invoice', inv.body.id)).map((e) => e.type);
    expect(types).toEqual(['InvoiceCreated', 'InvoicePaymentReceived', 'InvoicePaid']);
  });
});
