import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { NotFoundError } from '../../errors.ts';
import { identifier } from '../../events/primitives.ts';
import { newInvoiceId } from '../../invoices/executeInvoiceCommand.ts';
import type { InvoiceCommand } from '../../invoices/decideInvoice.ts';
import { invoiceResource } from '../../invoices/invoice.ts';
import { findInvoice, listInvoices } from '../../invoices/invoiceRepository.ts';
import type { ApiApp, RouteDeps } from '../context.ts';
import { requireScope } from '../middleware/authenticate.ts';
import { runInvoiceCommand } from '../runInvoiceCommand.ts';
import { decodeCursor, encodeCursor, etag, ifMatchVersion, parseOr400 } from '../validation.ts';
import { conflict, errorResponses, etagHeader, locationHeader, readErrorResponses, idempotencyHeader, requiredIfMatchHeader, json, notFound, precondition } from './commonSchemas.ts';
import { createInvoiceBody, deleteInvoiceBody, invoiceListQuery, invoiceSchema, updateInvoiceBody } from './invoiceSchemas.ts';

const idParam = z.object({ id: identifier });
const security = [{ bearer: [] }];
const tags = ['invoices'];
const read = [requireScope('invoices:read')];
const write = [requireScope('invoices:write')];
// Every write answers with the new version (ETag) and the invoice's URL (Location).
const written = { ...etagHeader, ...locationHeader };

const create = createRoute({
  method: 'post', path: '/v1/invoices', operationId: 'createInvoice', tags, security, middleware: write,
  summary: 'Issue an invoice (InvoiceCreated, occurredAt = issuedAt)',
  request: { headers: idempotencyHeader, body: { required: true, content: { 'application/json': { schema: createInvoiceBody } } } },
  responses: { 201: json(invoiceSchema, 'issued', written), ...errorResponses },
});
const list = createRoute({
  method: 'get', path: '/v1/invoices', operationId: 'listInvoices', tags, security, middleware: read,
  summary: 'List invoices by customer, status and issue date (cursor pagination)',
  request: { query: invoiceListQuery },
  responses: { 200: json(z.object({ items: z.array(invoiceSchema), nextCursor: z.string().nullable() }), 'a page'), ...readErrorResponses },
});
const get = createRoute({
  method: 'get', path: '/v1/invoices/{id}', operationId: 'getInvoice', tags, security, middleware: read,
  summary: 'Read an invoice (deleted ones remain readable as tombstones)',
  request: { params: idParam },
  responses: { 200: json(invoiceSchema, 'the invoice; ETag is its version', etagHeader), ...readErrorResponses, ...notFound },
});
const patch = createRoute({
  method: 'patch', path: '/v1/invoices/{id}', operationId: 'updateInvoice', tags, security, middleware: write,
  summary: 'Change the due date or replace the line set (InvoiceUpdated); If-Match is required',
  description:
    'A JSON merge patch (RFC 7396) of the fields other than `lines`: a field left out keeps its value, `dueDate: null` removes it. ' +
    '`lines`, when sent, is the complete new line set (every line, not a per-line merge). If-Match names the version read (ETag); ' +
    '`*` changes whatever the current version is.',
  request: {
    params: idParam,
    headers: requiredIfMatchHeader,
    body: {
      required: true,
      content: { 'application/json': { schema: updateInvoiceBody }, 'application/merge-patch+json': { schema: updateInvoiceBody } },
    },
  },
  responses: { 200: json(invoiceSchema, 'updated', written), ...errorResponses, ...notFound, ...conflict, ...precondition },
});
const remove = createRoute({
  method: 'delete', path: '/v1/invoices/{id}', operationId: 'deleteInvoice', tags, security, middleware: write,
  summary: 'Delete: a tombstone (status deleted, InvoiceDeleted); an issued invoice is never erased',
  request: { params: idParam },
  responses: { 200: json(invoiceSchema, 'the tombstone', written), ...errorResponses, ...notFound, ...conflict },
});

export function registerInvoiceRoutes(app: ApiApp, deps: RouteDeps): void {
  // Every answer names the invoice's URL (Location), not only the create's.
  const execute = <S extends 200 | 201>(c: Parameters<typeof runInvoiceCommand>[0], id: string, command: InvoiceCommand, status: S) =>
    runInvoiceCommand(c, deps, id, command, { status, location: true });

  app.openapi(create, async (c) => {
    const body = c.req.valid('json');
    const id = newInvoiceId();
    return execute(c, id, { type: 'create', invoiceId: id, ...body }, 201);
  });

  app.openapi(list, async (c) => {
    const q = c.req.valid('query');
    const page = await listInvoices(deps.db, { ...q, after: decodeCursor(q.cursor) });
    return c.json({ items: page.items.map(invoiceResource), nextCursor: encodeCursor(page.nextCursor) }, 200);
  });

  app.openapi(get, async (c) => {
    const { id } = c.req.valid('param');
    const invoice = await findInvoice(deps.db, id);
    if (!invoice) throw new NotFoundError(`invoice ${id} not found`);
    return c.json(invoiceResource(invoice), 200, { ETag: etag(invoice.version) });
  });

  app.openapi(patch, async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const expectedVersion = ifMatchVersion(c.req.header('if-match'), true);
    return execute(c, id, { type: 'update', expectedVersion, ...body }, 200);
  });

  app.openapi(remove, async (c) => {
    const { id } = c.req.valid('param');
    const body = c.get('body') === undefined ? {} : parseOr400(deleteInvoiceBody, c.get('body'));
    return execute(c, id, { type: 'delete', ...body }, 200);
  });
}
