import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { identifier } from '../../events/primitives.ts';
import { getInvoiceBook, invoiceState, months, parseReportQuery, reportQuery, revenueReportEndpoints } from '../../reports/index.ts';
import type { ApiApp, RouteDeps } from '../context.ts';
import { requireScope } from '../middleware/authenticate.ts';
import { json, notFound, readErrorResponses } from './commonSchemas.ts';
import {
  balancesByMonthSchema,
  csvSchema,
  invoiceBookSchema,
  invoiceStateSchema,
  monthsSchema,
  revenueByMonthSchema,
  revenueEventTotalsSchema,
  trialBalanceSchema,
  waterfallSchema,
} from './reportSchemas.ts';

// Reports answer JSON in the shapes of scenarios/FORMAT.json `expectedFields`;
// `?format=csv` or `Accept: text/csv` gives the same figures as CSV for a spreadsheet.
const query = reportQuery.extend({
  format: z.enum(['json', 'csv']).optional().meta({ description: 'csv: the same figures as text/csv (or send Accept: text/csv)' }),
});
const RANGE =
  'Months run from `from` to `to` (YYYY-MM); by default from the first to the last month with data of the currency asked for ' +
  '(of any currency without `currency`). Entries dated after `asOf` (default today) are left out.';

/** Each report's operationId and JSON schema, by path. */
const SHAPES: Record<string, { operationId: string; schema: z.ZodType }> = {
  '/v1/reports/revenue-by-month': { operationId: 'getRevenueByMonth', schema: revenueByMonthSchema },
  '/v1/reports/closing-balances': { operationId: 'getClosingBalances', schema: balancesByMonthSchema },
  '/v1/reports/net-movement': { operationId: 'getNetMovement', schema: balancesByMonthSchema },
  '/v1/reports/revenue-events': { operationId: 'getRevenueEventTotals', schema: revenueEventTotalsSchema },
  '/v1/reports/trial-balance': { operationId: 'getTrialBalance', schema: trialBalanceSchema },
  '/v1/reports/waterfall': { operationId: 'getWaterfall', schema: waterfallSchema },
};

const security = [{ bearer: [] }];
const middleware = [requireScope('reports:read')];

export function registerReportRoutes(app: ApiApp, deps: RouteDeps): void {
  const { now } = deps;
  for (const endpoint of revenueReportEndpoints) {
    const shape = SHAPES[endpoint.path];
    if (!shape) throw new Error(`report ${endpoint.path} has no response schema in reportRoutes.ts`);
    const route = createRoute({
      method: 'get',
      path: endpoint.path,
      operationId: shape.operationId,
      tags: ['reports'],
      summary: endpoint.summary,
      description: RANGE,
      security,
      middleware,
      request: { query },
      responses: {
        200: {
          description: 'the report, as JSON or (format=csv, Accept: text/csv) CSV',
          content: { 'application/json': { schema: shape.schema }, 'text/csv': { schema: csvSchema } },
        },
        ...readErrorResponses,
      },
    });
    app.openapi(route, async (c) => {
      const { format, ...rest } = c.req.valid('query');
      const report = await endpoint.load(deps.db, parseReportQuery(rest, deps.limits), now());
      const wantsCsv = format === 'csv' || (format === undefined && (c.req.header('accept') ?? '').includes('text/csv'));
      if (wantsCsv) {
        return c.body(report.csv(), 200, { 'Content-Type': 'text/csv; charset=utf-8' });
      }
      return c.json(report.json, 200);
    });
  }

  app.openapi(
    createRoute({
      method: 'get', path: '/v1/reports/months', operationId: 'getReportMonths', tags: ['reports'],
      summary: 'The reporting range (FORMAT months): earliest invoice event month to the latest month with an entry',
      description: RANGE,
      security, middleware,
      request: { query: reportQuery },
      responses: { 200: json(monthsSchema, 'months'), ...readErrorResponses },
    }),
    async (c) => c.json({ months: await months(deps.db, parseReportQuery(c.req.valid('query'), deps.limits), now()) }, 200),
  );
  app.openapi(
    createRoute({
      method: 'get', path: '/v1/reports/invoice-state', operationId: 'getInvoiceState', tags: ['reports'],
      summary: 'Every invoice of the books: status, version, total, tax, net revenue, paid, due (FORMAT invoiceState)',
      security, middleware,
      request: { query: reportQuery },
      responses: { 200: json(invoiceStateSchema, 'invoice id → state'), ...readErrorResponses },
    }),
    async (c) => c.json(await invoiceState(deps.db, parseReportQuery(c.req.valid('query'), deps.limits)), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/invoices/{id}/book',
      operationId: 'getInvoiceBook',
      tags: ['reports'],
      summary: "One invoice's revenue book: state (FORMAT invoiceState), schedule and journal entries",
      security,
      middleware,
      request: { params: z.object({ id: identifier }) },
      responses: { 200: json(invoiceBookSchema, 'the book'), ...readErrorResponses, ...notFound },
    }),
    async (c) => c.json(await getInvoiceBook(deps.db, c.req.valid('param').id), 200),
  );
}
