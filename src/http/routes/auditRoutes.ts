import { createRoute } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { getInvoiceAudit } from '../../reports/audit/getInvoiceAudit.ts';
import { InvoiceAudit } from '../../reports/audit/invoiceAuditSchema.ts';
import { hasScope, type Scope } from '../../auth/scopes.ts';
import { ForbiddenError, UnauthorizedError } from '../../errors.ts';
import { identifier } from '../../events/primitives.ts';
import type { ApiApp, ApiEnv, RouteDeps } from '../context.ts';
import { json, notFound, readErrorResponses } from './commonSchemas.ts';

/** 403 unless the key holds one of `scopes` (or admin): the audit serves both support and finance. */
function requireAnyScope(scopes: readonly Scope[]): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const principal = c.get('principal');
    if (!principal) throw new UnauthorizedError();
    if (!scopes.some((s) => hasScope(principal, s))) throw new ForbiddenError(`this call needs one of the scopes ${scopes.map((s) => `'${s}'`).join(', ')}`);
    await next();
  };
}

const invoiceAudit = createRoute({
  method: 'get',
  path: '/v1/invoices/{id}/audit',
  operationId: 'getInvoiceAudit',
  tags: ['invoices', 'audit'],
  security: [{ bearer: [] }],
  middleware: [requireAnyScope(['invoices:read', 'reports:read'])] as const,
  summary: "An invoice's audit chain: every event with its actor, the bus attempts, the ledger entries and revenue events each caused",
  request: { params: z.object({ id: identifier }) },
  responses: { 200: json(InvoiceAudit, 'the chain (same as `accrue audit invoice <id> --json`)'), ...readErrorResponses, ...notFound },
});

export function registerAuditRoutes(app: ApiApp, deps: RouteDeps): void {
  app.openapi(invoiceAudit, async (c) => {
    const { id } = c.req.valid('param');
    return c.json(await getInvoiceAudit(deps.db, id), 200);
  });
}
