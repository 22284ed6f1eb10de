import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEventSet, type NewEvent } from '../../src/events/appendEvents.ts';
import { createTestApi, type TestApi } from '../helpers/testApi.ts';
import { waitFor } from '../helpers/accrueProcess.ts';

/** Costs: one test database, ~20 requests through app.request(). The SSE stream: test/http/eventStream.test.ts. */
let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(async () => {
  await api.drop();
});

const reminders = (ids: string[]): NewEvent[] =>
  ids.map((id) => ({ type: 'InvoiceReminderSent', aggregateId: id, aggregateVersion: 2, occurredAt: '2026-02-01', data: { channel: 'email' } }));

async function readAll(query: string, token?: string) {
  const data: any[] = [];
  let after = '';
  for (let pages = 0; pages < 100; pages++) {
    const res = await api.call('GET', `/v1/events?limit=2${query}${after}`, { token });
    expect(res.status).toBe(200);
    data.push(...res.body.data);
    after = `&after=${res.body.nextCursor}`;
    if (res.body.data.length < 2) return { data, nextCursor: res.body.nextCursor as string };
  }
  throw new Error('too many pages');
}

describe('GET /v1/events', () => {
  it('pages through the store as public envelopes, and a consumer at the end sees only what came after', async () => {
    await appendEventSet(api.t.db, reminders(['inv_1', 'inv_2', 'inv_3']), { correlationId: 'corr-feed', actor: 'test' });
    // The horizon is cluster-wide: another test's open transaction may hold new events back a moment.
    const first = await waitFor('three events', async () => {
      const r = await readAll('');
      return r.data.length === 3 && r;
    });
    expect(first.data.map((e) => e.aggregate.id)).toEqual(['inv_1', 'inv_2', 'inv_3']);
    expect(first.data[0]).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      type: 'InvoiceReminderSent',
      occurredAt: '2026-02-01',
      aggregate: { type: 'invoice', id: 'inv_1', version: 2 },
      data: { channel: 'email' },
      correlationId: 'corr-feed',
    });
    // Internals of the stored envelope stay inside.
    expect(Object.keys(first.data[0])).not.toContain('actor');

    await appendEventSet(api.t.db, reminders(['inv_4']), { correlationId: 'corr-feed', actor: 'test' });
    const next = await waitFor('the fourth event', async () => {
      const r = await api.call('GET', `/v1/events?after=${first.nextCursor}`);
      return r.body.data.length > 0 && r;
    });
    expect(next.body.data.map((e: any) => e.aggregate.id)).toEqual(['inv_4']);
  });

  it('filters by types and aggregateId', async () => {
    const byAggregate = await readAll('&aggregateId=inv_2');
    expect(byAggregate.data.map((e) => e.aggregate.id)).toEqual(['inv_2']);
    expect((await readAll('&types=InvoiceCreated,InvoicePaid')).data).toEqual([]);
    expect((await readAll('&types=InvoiceReminderSent')).data).toHaveLength(4);
  });

  it('refuses a malformed cursor, an unknown type and an out-of-range limit with 400 naming the field', async () => {
    const badCursor = await api.call('GET', '/v1/events?after=42');
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.errors[0].field).toBe('query.after');
    const badType = await api.call('GET', '/v1/events?types=InvoiceMade');
    expect(badType.status).toBe(400);
    expect(badType.body.errors[0].field).toMatch(/^query\.types/);
    expect((await api.call('GET', '/v1/events?limit=0')).status).toBe(400);
    const beyondXid8 = await api.call('GET', '/v1/events?after=99999999999999999999-1');
    expect(beyondXid8.status).toBe(400);
    expect(beyondXid8.body.errors[0].field).toBe('after');
    expect((await api.call('GET', '/v1/events/stream?after=x')).status).toBe(400);
  });

  it('needs the events:read scope (or admin), on the feed and on the stream', async () => {
    const make = async (scopes: string[]) =>
      (await api.call('POST', '/v1/api-keys', { body: { name: scopes.join('+'), scopes } })).body.token as string;
    const reader = await make(['events:read']);
    const other = await make(['invoices:read', 'events:write']);
    expect((await api.call('GET', '/v1/events', { token: reader })).status).toBe(200);
    expect((await api.call('GET', '/v1/events', { token: other })).status).toBe(403);
    expect((await api.call('GET', '/v1/events/stream', { token: other })).status).toBe(403);
    expect((await api.call('GET', '/v1/events', { token: null })).status).toBe(401);
  });

  it('documents both routes in the OpenAPI document with typed schemas', async () => {
    const doc = (await api.call('GET', '/openapi.json', { token: null })).body;
    expect(doc.paths['/v1/events'].get.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/EventFeedPage');
    expect(doc.paths['/v1/events/stream'].get.responses['200'].content).toHaveProperty('text/event-stream');
    expect(doc.components.schemas.PublicEvent.properties.aggregate.properties).toHaveProperty('version');
    expect(doc.paths['/v1/events'].post).toBeDefined();
  });
});
