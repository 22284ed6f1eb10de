import { Scalar } from '@scalar/hono-api-reference';
import type { ApiApp } from './context.ts';

/** OpenAPI 3.1 at /openapi.json, generated from the routes' zod schemas; a docs page at /docs. */
export function registerOpenApi(app: ApiApp): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'ACCRUE_BOOTSTRAP_TOKEN, .data/local-token, or a key from `accrue api-key create`',
  });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'accrue API',
      version: '1',
      description:
        'Invoices, customers and imported events, each write committed together with its events. ' +
        'Errors are application/problem+json naming the field. POSTs accept Idempotency-Key.',
    },
  });
  app.get('/docs', Scalar({ url: '/openapi.json', pageTitle: 'accrue API' }));
}
