import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { isoMonth } from '../../events/primitives.ts';
import { closePeriod } from '../../invoices/closePeriod.ts';
import type { ApiApp, RouteDeps } from '../context.ts';
import { requireScope } from '../middleware/authenticate.ts';
import { runCommand } from '../runCommand.ts';
import { conflict, errorResponses, idempotencyHeader, json, month } from './commonSchemas.ts';

const resultSchema = z
  .object({ period: month, eventId: z.string(), position: z.number().int(), alreadyClosed: z.boolean() })
  .meta({ id: 'PeriodClose' });

const route = createRoute({
  method: 'post',
  path: '/v1/periods/{period}/close',
  operationId: 'closePeriod',
  tags: ['periods'],
  summary: 'Close an accounting month (records PeriodClosed once; the revenue ledger locks it)',
  security: [{ bearer: [] }],
  middleware: [requireScope('admin')],
  request: { params: z.object({ period: isoMonth.meta({ description: 'YYYY-MM' }) }), headers: idempotencyHeader },
  responses: { 201: json(resultSchema, 'closed now'), 200: json(resultSchema, 'was already closed'), ...errorResponses, ...conflict },
});

export function registerPeriodRoutes(app: ApiApp, deps: RouteDeps): void {
  const { now } = deps;
  app.openapi(route, async (c) => {
    const { period } = c.req.valid('param');
    return runCommand(c, deps, async (tx, ctx) => {
      const result = await closePeriod(tx, period, ctx, now());
      return { status: result.alreadyClosed ? 200 : 201, body: result };
    }, { command: 'period.close' });
  });
}
