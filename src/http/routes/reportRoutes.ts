import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { identifier } from '../../events/primitives.ts';
import { getInvoiceBook, invoiceState, months, parseReportQuery, reportQuery, revenueReportEndpoints } from '../../reports/index.ts';
import type { ApiApp, RouteDeps } from '../context.ts';
import { requireScope } from '../middleware/authenticate.ts';
import { notFound, readErrorResponses } from './commonSchemas.ts';

// Reports answer JSON in the shapes of scenarios/FORMAT.json `expectedFields`;
// `?format=csv` or `Accept: text/csv` gives the same figures as CSV for a spreadsheet.
const query = reportQuery.extend({ format: z.enum(['json', 'csv']).optional() });
const anyJson = { description: 'the report', content: { 'application/json': { schema: z.record(z.string(), z.unknown()) }, 'text/csv': { schema: z.string() } } };

export function registerReportRoutes(app: ApiApp, deps: RouteDeps): void {
  const { now } = deps;
  for (const endpoint of revenueReportEndpoints) {
    const route = createRoute({
      method: 'get',
      path: endpoint.path,
      tags: ['reports'],
      summary: endpoint.summary,
      security: [{ bearer: [] }],
      middleware: [requireScope('reports:read')] as const,
      request: { query },
      responses: { 200: anyJson, ...readErrorResponses },
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
      method: 'get', path: '/v1/reports/months', tags: ['reports'],
      summary: 'The reporting range (FORMAT months): earliest invoice event month to the latest month with an entry',
      security: [{ bearer: [] }], middleware: [requireScope('reports:read')] as const,
      request: { query: reportQuery },
      responses: { 200: { description: 'months', content: { 'application/json': { schema: z.object({ months: z.array(z.string()) }) } } }, ...readErrorResponses },
    }),
    async (c) => c.json({ months: await months(deps.db, parseReportQuery(c.req.valid('query'), deps.limits), now()) }, 200),
  );
  app.openapi(
    createRoute({
      method: 'get', path: '/v1/reports/invoice-state', tags: ['reports'],
      summary: 'Every invoice of the books: status, version, total, tax, net revenue, paid, due (FORMAT invoiceState)',
      security: [{ bearer: [] }], middleware: [requireScope('reports:read')] as const,
      request: { query: reportQuery },
      responses: { 200: anyJson, ...readErrorResponses },
    }),
    async (c) => c.json(await invoiceState(deps.db, parseReportQuery(c.req.valid('query'), deps.limits)), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/invoices/{id}/book',
      tags: ['reports'],
      summary: "One invoice's revenue book: state (FORMAT invoiceState), schedule and journal entries",
      security: [{ bearer: [] }],
      middleware: [requireScope('reports:read')] as const,
      request: { params: z.object({ id: identifier }) },
      responses: { 200: { description: 'the book', content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } } }, ...readErrorResponses, ...notFound },
    }),
    async (c) => c.json(await getInvoiceBook(deps.db, c.req.valid('param').id), 200),
  );
}
