import { describe, expect, it } from 'vitest';
import { openApiContract, type OpenApiDocument } from '../helpers/openApiContract.ts';

const doc: OpenApiDocument = {
  paths: {
    '/v1/things/{id}': {
      get: {
        responses: {
          '200': {
            headers: { ETag: { $ref: '#/components/headers/ETag' } },
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } }, 'text/csv': { schema: { type: 'string' } } },
          },
          '404': { content: { 'application/problem+json': { schema: { type: 'object', required: ['status'] } } } },
        },
      },
    },
  },
  components: {
    headers: { ETag: { required: true, schema: { type: 'string' } } },
    schemas: { Thing: { type: 'object', required: ['id', 'day'], properties: { id: { type: 'string' }, day: { type: 'string', format: 'date' } } } },
  },
};
const contract = openApiContract(doc);
const answer = (status: number, headers: Record<string, string>, text: string, path = '/v1/things/t1') =>
  contract.check({ method: 'GET', path, status, headers: new Headers(headers), text });
const json = { 'content-type': 'application/json', etag: '"1"' };

describe('openApiContract', () => {
  it('passes what the document promises, for each documented media type', () => {
    expect(answer(200, json, JSON.stringify({ id: 't1', day: '2026-01-31' }))).toEqual([]);
    expect(answer(200, { 'content-type': 'text/csv; charset=utf-8', etag: '"1"' }, 'a,b\r\n')).toEqual([]);
    expect(answer(404, { 'content-type': 'application/problem+json' }, '{"status":404}')).toEqual([]);
  });

  it('names a body that does not match its schema (types, required fields, formats)', () => {
    expect(answer(200, json, JSON.stringify({ id: 1, day: '2026-01-31' })).join()).toMatch(/body\/id must be string/);
    expect(answer(200, json, JSON.stringify({ id: 't1' })).join()).toMatch(/must have required property 'day'/);
    expect(answer(200, json, JSON.stringify({ id: 't1', day: '31/01/2026' })).join()).toMatch(/body\/day must match format "date"/);
  });

  it('names an undocumented status, media type, a missing required header and an undocumented contract header', () => {
    expect(answer(500, json, '{}').join()).toMatch(/status 500 is not documented/);
    expect(answer(200, { 'content-type': 'text/html', etag: '"1"' }, '<p>').join()).toMatch(/content-type text\/html is not documented/);
    expect(answer(200, { 'content-type': 'application/json' }, JSON.stringify({ id: 't1', day: '2026-01-31' })).join()).toMatch(/required header etag missing/);
    expect(answer(404, { 'content-type': 'application/problem+json', location: '/x' }, '{"status":404}').join()).toMatch(/sends location/);
  });

  it('leaves paths the document does not describe alone', () => {
    expect(answer(200, { 'content-type': 'text/plain' }, 'ok', '/livez')).toEqual([]);
  });
});
