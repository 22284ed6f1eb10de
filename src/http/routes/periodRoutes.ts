import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { isoMonth } from '../../events/primitives.ts';
import { closePeriod } from '../../invoices/closePeriod.ts';
import { listClosedPeriods } from '../../reports/index.ts';
import type { ApiApp, RouteDeps } from '../context.ts';
import { requireScope } from '../middleware/authenticate.ts';
import { runCommand } from '../runCommand.ts';
import { conflict, errorResponses, idempotencyHeader, instant, json, month, readErrorResponses } from './commonSchemas.ts';

const resultSchema = z
  .object({ period: month, eventId: z.string(), position: z.number().int(), alreadyClosed: z.boolean() })
  .meta({ id: 'PeriodClose' });

const closedPeriodSchema = z
  .object({
    period: month,
    closedAt: instant.meta({ description: 'when PeriodClosed was recorded' }),
    closedBy: z.string().meta({ description: "the close's actor (an API key id, the bootstrap token, or a source)" }),
    locked: z.boolean().meta({ description: 'the revenue ledger has applied the close: no entry can be dated in the month any more' }),
    lockedAt: instant.nullable(),
  })
  .meta({ id: 'ClosedPeriod' });

const list = createRoute({
  method: 'get',
  path: '/v1/periods',
  operationId: 'listClosedPeriods',
  tags: ['periods'],
  summary: 'The closed accounting months, oldest first, and whether the ledger has locked each yet',
  security: [{ bearer: [] }],
  middleware: [requireScope('reports:read')],
  responses: { 200: json(z.object({ items: z.array(closedPeriodSchema) }), 'closed months'), ...readErrorResponses },
});

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
  app.openapi(list, async (c) => c.json({ items: await listClosedPeriods(deps.db) }, 200));
  app.openapi(route, async (c) => {
    const { period } = c.req.valid('param');
    return runCommand(c, deps, async (tx, ctx) => {
      const result = await closePeriod(tx, period, ctx, now());
      return { status: result.alreadyClosed ? 200 : 201, body: result };
    }, { command: 'period.close' });
  });
}
