import type { ApiApp } from './context.ts';

const TAGS = [
  { name: 'customers', description: 'Who invoices are for' },
  { name: 'invoices', description: 'Issue, change, pay, void and delete invoices; each write is one transaction with its events' },
  { name: 'events', description: 'Import events from an external billing system' },
  { name: 'periods', description: 'Close accounting months' },
  { name: 'reports', description: 'Revenue, balances, trial balance and waterfall from the ledger; JSON or CSV' },
  { name: 'audit', description: "An invoice's chain from events to ledger entries" },
  { name: 'api keys', description: 'Keys and their scopes (admin)' },
  { name: 'operations', description: 'Pipeline status, failed-job archive and replay (admin)' },
];

export const OPENAPI_CONFIG = {
  openapi: '3.1.0',
  info: {
    title: 'accrue API',
    version: '1',
    description:
      'Invoices, customers and imported events, each write committed together with its events; revenue reports read from the ' +
      'double-entry ledger the events build.\n\n' +
      '- Amounts are integers in the minor unit of their currency (cents for USD, yen for JPY); dates are YYYY-MM-DD, months YYYY-MM.\n' +
      '- Errors are application/problem+json (RFC 9457) naming each failed field in `errors`.\n' +
      '- POSTs accept `Idempotency-Key`: the same key and body answer the first response again (status, body, ETag, Location) ' +
      'with `Idempotent-Replayed: true`.\n' +
      '- Writes to a versioned resource answer its version as `ETag`; send it back as `If-Match` (`*` matches any version).\n' +
      '- Every answer carries `X-Correlation-Id` (the caller\'s, when it sent a valid one).',
    license: { name: 'Proprietary (all rights reserved)', identifier: 'LicenseRef-Proprietary' },
  },
  servers: [{ url: '/', description: 'the server that serves this document (`accrue start`: http://localhost:3000 unless PORT says otherwise)' }],
  tags: TAGS,
};

const CORRELATION = {
  description: "the call's correlation id (the caller's X-Correlation-Id when valid, else a new one); stored on every event it wrote",
  required: true,
  schema: { type: 'string' },
};
const REPLAYED = {
  description: '"true" when this is the stored answer to an earlier request with the same Idempotency-Key and body',
  schema: { type: 'string', enum: ['true'] },
};

type Operation = { parameters?: { in: string; name: string }[]; responses?: Record<string, { headers?: Record<string, unknown> }> };

/**
 * What the route definitions cannot say one by one: every response carries
 * X-Correlation-Id, and every 2xx of an operation taking Idempotency-Key may carry
 * Idempotent-Replayed. Added as shared header components.
 */
export function finishDocument<D extends { paths?: unknown; components?: unknown }>(doc: D): D {
  const components = (doc.components ?? {}) as Record<string, Record<string, unknown>>;
  components.headers = { ...components.headers, CorrelationId: CORRELATION, IdempotentReplayed: REPLAYED };
  for (const item of Object.values((doc.paths ?? {}) as Record<string, Record<string, Operation>>)) {
    for (const op of Object.values(item)) {
      const idempotent = (op.parameters ?? []).some((p) => p.in === 'header' && p.name.toLowerCase() === 'idempotency-key');
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        response.headers = { ...response.headers, 'X-Correlation-Id': { $ref: '#/components/headers/CorrelationId' } };
        if (idempotent && status.startsWith('2')) response.headers['Idempotent-Replayed'] = { $ref: '#/components/headers/IdempotentReplayed' };
      }
    }
  }
  return { ...doc, components };
}

/** OpenAPI 3.1 at /openapi.json, generated from the routes' zod schemas (the page at /docs renders it: src/console/apiReference.ts). */
export function registerOpenApi(app: ApiApp): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'ACCRUE_BOOTSTRAP_TOKEN, .data/local-token, or a key from `accrue api-key create`',
  });
  let document: unknown;
  // Built on first request (every route is registered by then), then kept.
  app.get('/openapi.json', (c) => c.json((document ??= finishDocument(app.getOpenAPI31Document(OPENAPI_CONFIG)))));
}
