import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { importBody, importEvents } from '../../invoices/imports/importEvents.ts';
import { authorizeImport } from '../../invoices/imports/importRules.ts';
import type { ApiApp, RouteDeps } from '../context.ts';
import { requireScope } from '../middleware/authenticate.ts';
import { runCommand } from '../runCommand.ts';
import { conflict, errorResponses, idempotencyHeader, json } from './commonSchemas.ts';

const resultSchema = z
  .object({
    events: z.array(
      z.object({ eventId: z.string(), storedEventId: z.string(), position: z.number().int(), duplicate: z.boolean() }),
    ),
    stored: z.number().int(),
    duplicates: z.array(z.string()),
  })
  .meta({ id: 'ImportResult' });

const route = createRoute({
  method: 'post',
  path: '/v1/events',
  operationId: 'importEvents',
  tags: ['events'],
  summary: 'Import one event or an array (all or nothing) from an external billing system',
  description:
    'Envelope {eventId, type, occurredAt, invoiceId, version?, data} (shared/scenarios/FORMAT.json). ' +
    'Checked for shape; a repeated eventId with the same content is acknowledged as a duplicate without a second row, ' +
    'with other content refused (409). PeriodClosed needs the admin scope and a month that has ended. ' +
    'Invoices created through /v1/invoices belong to the API: an import naming one is refused (409).',
  security: [{ bearer: [] }],
  middleware: [requireScope('events:write')],
  request: { headers: idempotencyHeader, body: { required: true, content: { 'application/json': { schema: importBody } } } },
  responses: { 201: json(resultSchema, 'at least one new event stored'), 200: json(resultSchema, 'every event was a duplicate'), ...errorResponses, ...conflict },
});

export function registerEventImportRoutes(app: ApiApp, deps: RouteDeps): void {
  const { now } = deps;
  app.openapi(route, async (c) => {
    const body = c.req.valid('json');
    const events = Array.isArray(body) ? body : [body];
    authorizeImport(c.get('principal'), events);
    return runCommand(c, deps, async (tx, ctx) => {
      const results = await importEvents(tx, events, ctx, now(), deps.limits);
      const duplicates = results.filter((r) => r.duplicate).map((r) => r.eventId);
      const stored = results.length - duplicates.length;
      return { status: stored > 0 ? 201 : 200, body: { events: results, stored, duplicates } };
    }, { command: 'events.import' });
  });
}
