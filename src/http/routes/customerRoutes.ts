import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { customerResource } from '../../invoices/customer.ts';
import { createCustomer, findCustomer, listCustomers, updateCustomer } from '../../invoices/customerCommands.ts';
import { NotFoundError } from '../../errors.ts';
import { CustomerCreated, CustomerUpdated } from '../../events/schemas/otherEvents.ts';
import { identifier } from '../../events/primitives.ts';
import type { ApiApp, RouteDeps } from '../context.ts';
import { requireScope } from '../middleware/authenticate.ts';
import { runCommand } from '../runCommand.ts';
import { decodeCursor, encodeCursor, etag, ifMatchVersion } from '../validation.ts';
import { conflict, errorResponses, etagHeader, instant, locationHeader, readErrorResponses, idempotencyHeader, ifMatchHeader, json, listQuery, notFound, precondition } from './commonSchemas.ts';

const customerSchema = z
  .object({
    id: z.string(),
    version: z.number().int(),
    name: z.string(),
    email: z.string(),
    externalId: z.string().nullable(),
    createdAt: instant,
    updatedAt: instant,
  })
  .meta({ id: 'Customer' });
const idParam = z.object({ id: identifier });
const security = [{ bearer: [] }];

const create = createRoute({
  method: 'post',
  path: '/v1/customers',
  operationId: 'createCustomer',
  tags: ['customers'],
  summary: 'Create a customer (CustomerCreated)',
  security,
  middleware: [requireScope('invoices:write')],
  request: { headers: idempotencyHeader, body: { required: true, content: { 'application/json': { schema: CustomerCreated } } } },
  responses: { 201: json(customerSchema, 'created', { ...etagHeader, ...locationHeader }), ...errorResponses, ...conflict },
});

const list = createRoute({
  method: 'get',
  path: '/v1/customers',
  operationId: 'listCustomers',
  tags: ['customers'],
  summary: 'List customers (cursor pagination)',
  security,
  middleware: [requireScope('invoices:read')],
  request: { query: z.object(listQuery) },
  responses: { 200: json(z.object({ items: z.array(customerSchema), nextCursor: z.string().nullable() }), 'a page'), ...readErrorResponses },
});

const get = createRoute({
  method: 'get',
  path: '/v1/customers/{id}',
  operationId: 'getCustomer',
  tags: ['customers'],
  summary: 'Read a customer',
  security,
  middleware: [requireScope('invoices:read')],
  request: { params: idParam },
  responses: { 200: json(customerSchema, 'the customer', etagHeader), ...readErrorResponses, ...notFound },
});

const patch = createRoute({
  method: 'patch',
  path: '/v1/customers/{id}',
  operationId: 'updateCustomer',
  tags: ['customers'],
  summary: 'Change name, email or externalId (CustomerUpdated); If-Match optional',
  security,
  middleware: [requireScope('invoices:write')],
  request: {
    params: idParam,
    headers: ifMatchHeader,
    body: {
      required: true,
      content: {
        'application/json': {
          schema: CustomerUpdated.refine((b) => Object.keys(b).length > 0, { message: 'needs at least one field to change' }),
        },
      },
    },
  },
  responses: { 200: json(customerSchema, 'updated', etagHeader), ...errorResponses, ...notFound, ...conflict, ...precondition },
});

export function registerCustomerRoutes(app: ApiApp, deps: RouteDeps): void {
  const { now } = deps;

  app.openapi(create, async (c) => {
    const body = c.req.valid('json');
    return runCommand(c, deps, async (tx, ctx) => {
      const row = await createCustomer(tx, body, ctx, now());
      return { status: 201, body: customerResource(row), headers: { ETag: etag(row.version), Location: `/v1/customers/${row.id}` } };
    }, { command: 'customer.create' });
  });

  app.openapi(list, async (c) => {
    const q = c.req.valid('query');
    const page = await listCustomers(deps.db, { limit: q.limit, after: decodeCursor(q.cursor) });
    return c.json({ items: page.items.map(customerResource), nextCursor: encodeCursor(page.nextCursor) }, 200);
  });

  app.openapi(get, async (c) => {
    const { id } = c.req.valid('param');
    const row = await findCustomer(deps.db, id);
    if (!row) throw new NotFoundError(`customer ${id} not found`);
    return c.json(customerResource(row), 200, { ETag: etag(row.version) });
  });

  app.openapi(patch, async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const expected = ifMatchVersion(c.req.header('if-match'), false);
    return runCommand(c, deps, async (tx, ctx) => {
      const row = await updateCustomer(tx, id, body, expected, ctx, now());
      return { status: 200, body: customerResource(row), headers: { ETag: etag(row.version) } };
    }, { command: 'customer.update' });
  });
}
